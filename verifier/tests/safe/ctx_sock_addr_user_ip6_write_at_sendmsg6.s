; type: cgroup_sock_addr
; attach: cgroup_udp6_sendmsg
; The twin of unsafe/ctx_sock_addr_user_ip6_write_at_sendmsg4.s.
    mov %r2, 1
    stxw [%r1+8], %r2
    mov %r0, 1
    exit
