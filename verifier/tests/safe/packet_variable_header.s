; type: xdp
; IPv4 header length from the packet, then the transport header behind it.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 34
    jgt %r4, %r3, out
    ldxb %r5, [%r2+14]
    and %r5, 15
    lsh %r5, 2
    mov %r6, %r2
    add %r6, 14
    add %r6, %r5
    mov %r7, %r6
    add %r7, 4
    jgt %r7, %r3, out
    ldxh %r0, [%r6+2]
    exit
out:
    mov %r0, 0
    exit
