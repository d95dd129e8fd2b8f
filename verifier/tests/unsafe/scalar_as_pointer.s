; expect: type-mismatch
    mov %r1, 100
    ldxdw %r0, [%r1+0]
    exit
