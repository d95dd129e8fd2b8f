; expect: unknown-map
    lddw %r1, map_fd 7
    mov %r0, 0
    exit
