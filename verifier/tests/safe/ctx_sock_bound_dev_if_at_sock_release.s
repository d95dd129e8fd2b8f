; type: cgroup_sock
; attach: cgroup_inet_sock_release
; The twin of unsafe/ctx_sock_bound_dev_if_at_post_bind6.s.
    ldxw %r2, [%r1+0]
    stxw [%r1+0], %r2
    mov %r0, 1
    exit
