; expect: out-of-bounds
; Two bytes checked, four read.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 2
    jgt %r4, %r3, out
    ldxw %r0, [%r2+0]
    exit
out:
    mov %r0, 0
    exit
