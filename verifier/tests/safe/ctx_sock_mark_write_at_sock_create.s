; type: cgroup_sock
; attach: cgroup_inet_sock_create
; The twin of unsafe/ctx_sock_mark_write_at_post_bind4.s.
    mov %r2, 7
    stxw [%r1+16], %r2
    mov %r0, 1
    exit
