; expect: out-of-bounds
    mov %r1, 0
    stxdw [%r10-520], %r1
    mov %r0, 0
    exit
