; expect: helper-argument
; type: sk_skb
; map: fd=1 kind=sockmap key=4 value=4
; A sockmap's entries are sockets: a lookup would hand out a socket, not value memory.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxw %r0, [%r0]
out:
    mov %r0, 0
    exit
