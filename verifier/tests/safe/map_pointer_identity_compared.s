; type: kprobe
; map: fd=1 kind=array key=4 value=8 entries=1
; map: fd=2 kind=array key=4 value=8 entries=1
; Two maps compared for equality (as linux/test_map_in_map_kern.o compares an inner map with
; a known one): which map, not where. The twin of unsafe/map_pointer_order_compared.s.
    lddw %r1, map_fd 1
    lddw %r2, map_fd 2
    mov %r0, 0
    jne %r1, %r2, other
    exit
other:
    mov %r0, 1
    exit
