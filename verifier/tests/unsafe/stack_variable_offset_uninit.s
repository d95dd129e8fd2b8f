; expect: uninit-stack
; Reads somewhere in [r10-16, r10-9]: never written.
    mov %r2, 0
    stxdw [%r10-8], %r2
    ldxw %r3, [%r1+12]
    and %r3, 7
    mov %r4, %r10
    add %r4, -16
    add %r4, %r3
    ldxb %r0, [%r4+0]
    exit
