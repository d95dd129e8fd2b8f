; The smallest program.
    mov %r0, 2
    exit
