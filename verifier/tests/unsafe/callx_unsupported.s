; expect: unsupported
    mov %r2, 5
    callx %r2
    mov %r0, 0
    exit
