; Precision: a comparison of two registers that both hold known constants decides the
; branch; the never-taken one (a load through a number) is dead and not checked.
; (The behaviour of Linux's verifier_bounds / reg_equal tests, written anew.)
    mov %r1, 0
    mov %r2, 1
    jeq %r1, %r2, bad
    jgt %r1, %r2, bad
    jsge %r1, %r2, bad
    mov %r0, 0
    exit
bad:
    ldxdw %r0, [%r1+0]
    exit
