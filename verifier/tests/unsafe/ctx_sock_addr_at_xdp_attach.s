; type: cgroup_sock_addr
; attach: xdp
; expect: attach-type-mismatch
; A sock_addr program loaded for the xdp attach type.
    ldxw %r2, [%r1+24]
    mov %r0, 1
    exit
