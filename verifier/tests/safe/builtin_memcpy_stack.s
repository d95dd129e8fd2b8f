; memcpy of 16 initialised stack bytes to another buffer, which is then initialised.
    mov %r1, 7
    stxdw [%r10-32], %r1
    stxdw [%r10-24], %r1
    mov %r1, %r10
    add %r1, -16
    mov %r2, %r10
    add %r2, -32
    mov %r3, 16
    call memcpy#2130706432
    ldxdw %r0, [%r10-8]
    and %r0, 3
    exit
