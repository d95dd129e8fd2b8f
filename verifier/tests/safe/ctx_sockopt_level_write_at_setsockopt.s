; type: cgroup_sockopt
; attach: cgroup_setsockopt
; The twin of unsafe/ctx_sockopt_level_write_at_getsockopt.s.
    mov %r2, 1
    stxw [%r1+24], %r2
    mov %r0, 1
    exit
