; type: cgroup_sock
; attach: cgroup_inet6_post_bind
; expect: out-of-bounds
; bpf_sock.bound_dev_if (0) is not readable after bind.
    ldxw %r2, [%r1+0]
    mov %r0, 1
    exit
