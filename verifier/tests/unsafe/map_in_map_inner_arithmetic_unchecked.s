; expect: pointer-arithmetic
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; Arithmetic on the outer lookup's result before its null check.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    add %r0, 8
    jeq %r0, 8, out
out:
    mov %r0, 0
    exit
