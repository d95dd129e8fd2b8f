; expect: pointer-leak
    mov %r0, %r10
    exit
