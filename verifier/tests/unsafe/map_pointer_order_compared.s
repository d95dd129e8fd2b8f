; expect: pointer-comparison
; type: kprobe
; map: fd=1 kind=array key=4 value=8 entries=1
; map: fd=2 kind=array key=4 value=8 entries=1
; Two maps compared in order: which lies lower in memory is an address bit.
; The twin of safe/map_pointer_identity_compared.s.
    lddw %r1, map_fd 1
    lddw %r2, map_fd 2
    mov %r0, 0
    jlt %r1, %r2, lower
    exit
lower:
    mov %r0, 1
    exit
