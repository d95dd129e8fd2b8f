; type: cgroup_sock_addr
; attach: cgroup_inet4_connect
; The twin of unsafe/ctx_sock_addr_at_xdp_attach.s: user_port at connect4.
    ldxw %r2, [%r1+24]
    stxw [%r1+24], %r2
    mov %r0, 1
    exit
