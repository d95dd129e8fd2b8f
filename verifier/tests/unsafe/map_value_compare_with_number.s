; expect: pointer-comparison
; map: fd=1 kind=array key=4 value=8 entries=1
; A map value pointer, after its null check, compared with a number.
; The twin of safe/map_value_compare_same_value.s.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    jgt %r0, 0xffff, high
    mov %r0, 0
    exit
high:
    mov %r0, 1
    exit
out:
    mov %r0, 0
    exit
