; expect: read-only
; platform: windows
; type: sock_addr
    mov %r2, 2
    stxw [%r1+0], %r2
    mov %r0, 0
    exit
