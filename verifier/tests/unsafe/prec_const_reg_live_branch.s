; expect: type-mismatch
; The twin of safe/prec_const_reg_dead_branch.s: the registers are equal, so the branch
; through the number is taken and its load is checked.
    mov %r1, 1
    mov %r2, 1
    jeq %r1, %r2, bad
    mov %r0, 0
    exit
bad:
    ldxdw %r0, [%r1+0]
    exit
