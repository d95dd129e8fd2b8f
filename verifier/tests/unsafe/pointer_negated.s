; expect: pointer-arithmetic
    mov %r2, %r10
    neg %r2
    mov %r0, 0
    exit
