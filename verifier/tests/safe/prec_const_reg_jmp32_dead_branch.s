; Precision: 32-bit comparisons of registers holding known constants decide their branches
; too: 0x100000002 and 2 are equal in 32 bits, so the `!=` branch to a load through a number
; is dead, as is `w1 s> w3` with w1 = 0x80000000 (negative in 32 bits) and w3 = 0.
    lddw %r1, 0x100000002
    mov %r2, 2
    jne32 %r1, %r2, bad
    lddw %r1, 0x80000000
    mov %r3, 0
    jsgt32 %r1, %r3, bad
    mov %r0, 0
    exit
bad:
    ldxdw %r0, [%r1+0]
    exit
