; type: cgroup_sock_addr
; attach: cgroup_inet6_connect
; The twin of unsafe/ctx_sock_addr_user_ip6_at_connect4.s.
    ldxw %r2, [%r1+20]
    mov %r0, 1
    exit
