; type: cgroup_sockopt
; attach: cgroup_setsockopt
; expect: out-of-bounds
; bpf_sockopt.retval (36) exists only at getsockopt.
    ldxw %r2, [%r1+36]
    mov %r0, 1
    exit
