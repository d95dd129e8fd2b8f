; expect: out-of-bounds
; The bounds check happens on one path only.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    ldxw %r5, [%r1+12]
    jeq %r5, 0, skip
    mov %r4, %r2
    add %r4, 4
    jgt %r4, %r3, out
skip:
    ldxw %r0, [%r2+0]
    exit
out:
    mov %r0, 0
    exit
