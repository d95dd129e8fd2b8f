; expect: uninit-stack
    ldxw %r2, [%r1+12]
    jeq %r2, 0, skip
    stdw [%r10-8], 1
skip:
    ldxdw %r0, [%r10-8]
    exit
