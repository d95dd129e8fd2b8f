; type: cgroup_sock
; attach: cgroup_inet_sock_create
; expect: out-of-bounds
; bpf_sock.src_ip4 (24) exists only after an IPv4 bind.
    ldxw %r2, [%r1+24]
    mov %r0, 1
    exit
