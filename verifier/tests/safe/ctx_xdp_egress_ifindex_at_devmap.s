; type: xdp
; attach: xdp_devmap
; The twin of unsafe/ctx_xdp_egress_ifindex_at_xdp.s: a devmap program reads egress_ifindex.
    ldxw %r2, [%r1+20]
    mov %r0, 1
    exit
