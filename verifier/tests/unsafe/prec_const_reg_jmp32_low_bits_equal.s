; expect: type-mismatch
; Known constants compared in 32 bits: 0x100000001 and 1 differ in 64 bits but their low
; halves are equal, so the 32-bit test is taken and its load through a number is checked.
    lddw %r1, 0x100000001
    mov %r2, 1
    jeq32 %r1, %r2, bad
    mov %r0, 0
    exit
bad:
    ldxdw %r0, [%r1+0]
    exit
