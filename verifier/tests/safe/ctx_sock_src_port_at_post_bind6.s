; type: cgroup_sock
; attach: cgroup_inet6_post_bind
; The twin of unsafe/ctx_sock_src_port_without_attach.s.
    ldxw %r2, [%r1+44]
    mov %r0, 1
    exit
