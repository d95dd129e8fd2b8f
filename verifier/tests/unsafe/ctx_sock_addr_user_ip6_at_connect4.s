; type: cgroup_sock_addr
; attach: cgroup_inet4_connect
; expect: out-of-bounds
; bpf_sock_addr.user_ip6[3] (20) at an IPv4 hook: the address is IPv4.
    ldxw %r2, [%r1+20]
    mov %r0, 1
    exit
