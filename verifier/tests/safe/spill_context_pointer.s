; The context pointer spilled to the stack and reloaded keeps its kind.
    stxdw [%r10-8], %r1
    ldxdw %r2, [%r10-8]
    ldxw %r0, [%r2+12]
    exit
