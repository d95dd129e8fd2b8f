; type: cgroup_sockopt
; attach: cgroup_getsockopt
; The twin of unsafe/ctx_sockopt_retval_at_setsockopt.s.
    ldxw %r2, [%r1+36]
    mov %r2, 0
    stxw [%r1+36], %r2
    mov %r0, 1
    exit
