; type: xdp
; A 32-bit difference of two packet pointers is the difference of their offsets.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    sub32 %r4, %r2
    mov %r5, %r2
    add %r5, %r4
    add %r5, 4
    jgt %r5, %r3, out
    ldxw %r0, [%r2+14]
    exit
out:
    mov %r0, 0
    exit
