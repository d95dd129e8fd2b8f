; type: cgroup_sock_addr
; attach: cgroup_inet6_bind
; expect: out-of-bounds
; bpf_sock_addr.user_ip4 (4) at an IPv6 hook.
    ldxw %r2, [%r1+4]
    mov %r0, 1
    exit
