; platform: windows
; type: sockops
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    ldxb %r4, [%r1+48]
    ldxdw %r5, [%r1+56]
    mov %r0, 0
    exit
