; platform: windows
; type: sock_addr
    ldxh %r2, [%r1+40]
    mov %r2, 8080
    stxh [%r1+40], %r2
    mov %r0, 1
    exit
