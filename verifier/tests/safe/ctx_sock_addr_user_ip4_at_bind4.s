; type: cgroup_sock_addr
; attach: cgroup_inet4_bind
; The twin of unsafe/ctx_sock_addr_user_ip4_at_bind6.s.
    ldxw %r2, [%r1+4]
    mov %r0, 1
    exit
