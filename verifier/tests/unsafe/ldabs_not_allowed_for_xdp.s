; expect: unsupported
    mov %r6, %r1
    ldabsb 0
    exit
