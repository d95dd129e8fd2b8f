; expect: uninit-register
    ldxw %r2, [%r1+12]
    jeq %r2, 0, skip
    mov %r0, 1
skip:
    exit
