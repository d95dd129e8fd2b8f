; memcmp returns -1, 0 or 1: r0 + 1 indexes a 3-byte stack table in bounds.
    mov %r1, 0
    stxdw [%r10-8], %r1
    stxdw [%r10-16], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, %r10
    add %r2, -16
    mov %r3, 8
    call memcmp#2130706435
    add %r0, 1
    mov %r1, %r10
    add %r1, -16
    add %r1, %r0
    ldxb %r0, [%r1]
    and %r0, 3
    exit
