; platform: windows
; type: xdp
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    mov %r4, %r2
    add %r4, 20
    jgt %r4, %r3, pass
    ldxb %r0, [%r2+9]
    exit
pass:
    mov %r0, 1
    exit
