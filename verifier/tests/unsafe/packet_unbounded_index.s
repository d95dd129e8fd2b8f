; expect: out-of-bounds
; A packet byte used as an index without a new check.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    ldxb %r5, [%r2+0]
    add %r2, %r5
    ldxb %r0, [%r2+0]
    exit
out:
    mov %r0, 0
    exit
