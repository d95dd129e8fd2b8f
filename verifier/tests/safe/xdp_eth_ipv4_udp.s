; type: xdp
; Ethernet, IPv4 (fixed header) and UDP, each checked before use.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, pass
    ldxh %r5, [%r2+12]
    jne %r5, 8, pass
    mov %r4, %r2
    add %r4, 34
    jgt %r4, %r3, pass
    ldxb %r5, [%r2+23]
    jne %r5, 17, pass
    mov %r4, %r2
    add %r4, 42
    jgt %r4, %r3, pass
    ldxh %r0, [%r2+36]
    be16 %r0
    jne %r0, 53, pass
    mov %r0, 1
    exit
pass:
    mov %r0, 2
    exit
