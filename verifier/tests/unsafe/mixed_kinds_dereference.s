; expect: type-mismatch
; r3 is a stack pointer on one path and a number on the other.
    stdw [%r10-8], 0
    ldxw %r2, [%r1+12]
    mov %r3, %r10
    jeq %r2, 0, skip
    mov %r3, 16
skip:
    ldxdw %r0, [%r3-8]
    exit
