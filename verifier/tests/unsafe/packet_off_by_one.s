; expect: out-of-bounds
; Checks 14 bytes, reads the 15th.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    ldxb %r0, [%r2+14]
    exit
out:
    mov %r0, 0
    exit
