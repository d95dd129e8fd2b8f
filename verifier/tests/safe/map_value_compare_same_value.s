; map: fd=1 kind=array key=4 value=8 entries=1
; Two pointers into the same map's value compare like their offsets.
; The twin of unsafe/map_value_compare_with_number.s.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, %r0
    add %r1, 4
    jgt %r1, %r0, high
    mov %r0, 0
    exit
high:
    mov %r0, 1
    exit
out:
    mov %r0, 0
    exit
