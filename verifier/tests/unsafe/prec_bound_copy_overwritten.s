; expect: out-of-bounds
; map: fd=1 kind=array key=4 value=64
; The twin of safe/prec_bound_reaches_copy.s: the copy is replaced by another unknown number
; before the check, so the bound says nothing about it.
    call 7
    mov %r6, %r0
    mov %r7, %r6
    call 7
    mov %r7, %r0
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    jgt %r6, 56, out
    add %r0, %r7
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
