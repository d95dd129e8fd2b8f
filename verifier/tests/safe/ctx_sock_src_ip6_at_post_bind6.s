; type: cgroup_sock
; attach: cgroup_inet6_post_bind
; The twin of unsafe/ctx_sock_src_ip6_at_post_bind4.s.
    ldxw %r2, [%r1+40]
    mov %r0, 1
    exit
