; expect: pointer-arithmetic
    mov %r2, %r10
    add32 %r2, 1
    mov %r0, 0
    exit
