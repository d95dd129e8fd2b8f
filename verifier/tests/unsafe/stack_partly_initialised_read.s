; expect: uninit-stack
    mov %r1, 0
    stxw [%r10-8], %r1
    ldxdw %r0, [%r10-8]
    exit
