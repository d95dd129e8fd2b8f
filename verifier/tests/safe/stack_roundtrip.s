; A number stored and loaded back.
    mov %r1, 5
    stxdw [%r10-8], %r1
    ldxdw %r0, [%r10-8]
    exit
