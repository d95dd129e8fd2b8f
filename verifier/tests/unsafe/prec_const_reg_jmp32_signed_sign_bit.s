; expect: type-mismatch
; Known constants compared signed in 32 bits: 0x80000000 is positive in 64 bits but negative
; in 32, so `w1 s< w2` (with w2 = 0) holds and the load through a number is checked.
    lddw %r1, 0x80000000
    mov %r2, 0
    jslt32 %r1, %r2, bad
    mov %r0, 0
    exit
bad:
    ldxdw %r0, [%r1+0]
    exit
