; expect: out-of-bounds
; type: xdp
; The length checked against 13, then 14 bytes used.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r3
    sub %r4, %r2
    jlt %r4, 13, out
    ldxh %r0, [%r2+12]
    exit
out:
    mov %r0, 0
    exit
