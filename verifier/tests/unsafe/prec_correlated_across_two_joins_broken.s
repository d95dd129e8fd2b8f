; expect: uninit-stack
; The twin of safe/prec_correlated_across_two_joins.s where a negative y no longer changes
; r0: with x == 7 and y < 0, r0 is 0 but the stack was not written.
    call 5
    mov %r6, %r0
    call 7
    mov %r2, %r0
    mov %r0, 0
    jeq %r2, 7, j1
    mov %r0, -2
j1:
    jsgt %r6, -1, j2
    mov %r3, -1
j2:
    jslt %r6, 0, skip
    jne %r2, 7, skip
    stdw [%r10-8], 1
skip:
    jne %r0, 0, out
    ldxdw %r0, [%r10-8]
    exit
out:
    mov %r0, 0
    exit
