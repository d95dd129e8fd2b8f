; type: cgroup_sock
; attach: cgroup_inet4_post_bind
; The twin of unsafe/ctx_sock_src_ip4_at_sock_create.s.
    ldxw %r2, [%r1+24]
    mov %r0, 1
    exit
