; type: socket_filter
    mov %r6, %r1
    ldabsh 12
    exit
