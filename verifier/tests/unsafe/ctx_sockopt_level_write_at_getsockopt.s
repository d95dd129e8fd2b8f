; type: cgroup_sockopt
; attach: cgroup_getsockopt
; expect: read-only
; bpf_sockopt.level (24) may be rewritten only at setsockopt.
    mov %r2, 1
    stxw [%r1+24], %r2
    mov %r0, 1
    exit
