; platform: windows
; type: bind
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    mov %r4, %r2
    add %r4, 2
    jgt %r4, %r3, permit
    ldxh %r0, [%r2+0]
    mov %r0, 1
    exit
permit:
    mov %r0, 0
    exit
