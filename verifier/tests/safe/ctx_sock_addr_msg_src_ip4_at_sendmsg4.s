; type: cgroup_sock_addr
; attach: cgroup_udp4_sendmsg
; The twin of unsafe/ctx_sock_addr_msg_src_ip4_at_connect4.s: read and rewritten at sendmsg4.
    ldxw %r2, [%r1+40]
    stxw [%r1+40], %r2
    mov %r0, 1
    exit
