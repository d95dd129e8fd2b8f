; The twin of unsafe/atomic_misaligned_stack.s: at r10 - 8, a multiple of 4.
    stdw [%r10-8], 0
    mov %r1, 1
    lock add32 [%r10-8], %r1
    lock add32 [%r10-4], %r1
    ldxw %r0, [%r10-4]
    exit
