; type: xdp
; attach: xdp_cpumap
; The twin of unsafe/ctx_xdp_egress_ifindex_at_cpumap.s: rx_queue_index is there.
    ldxw %r2, [%r1+16]
    mov %r0, 1
    exit
