; type: cgroup_sock
; attach: cgroup_inet4_post_bind
; expect: out-of-bounds
; bpf_sock.src_ip6[3] (40) after an IPv4 bind.
    ldxw %r2, [%r1+40]
    mov %r0, 1
    exit
