; memcpy returns its destination, a pointer the program may read through.
    mov %r1, 5
    stxdw [%r10-16], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, %r10
    add %r2, -16
    mov %r3, 8
    call memcpy#2130706432
    ldxdw %r0, [%r0]
    and %r0, 3
    exit
