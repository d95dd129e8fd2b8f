; type: cgroup_sock_addr
; attach: cgroup_udp6_sendmsg
; The twin of unsafe/ctx_sock_addr_msg_src_ip6_at_recvmsg6.s.
    ldxw %r2, [%r1+44]
    mov %r0, 1
    exit
