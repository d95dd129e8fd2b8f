; expect: read-only
    mov %r2, 0
    stxw [%r1+12], %r2
    mov %r0, 0
    exit
