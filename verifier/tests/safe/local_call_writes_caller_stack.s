; The callee writes through a pointer into the caller's frame.
    mov %r1, 0
    stxdw [%r10-8], %r1
    mov %r1, %r10
    add %r1, -8
    call local f
    ldxdw %r0, [%r10-8]
    exit
f:
    mov %r2, 7
    stxdw [%r1+0], %r2
    mov %r0, 0
    exit
