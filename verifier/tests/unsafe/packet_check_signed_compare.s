; expect: out-of-bounds
; Signed comparisons of addresses prove nothing.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jsgt %r4, %r3, out
    ldxb %r0, [%r2+0]
    exit
out:
    mov %r0, 0
    exit
