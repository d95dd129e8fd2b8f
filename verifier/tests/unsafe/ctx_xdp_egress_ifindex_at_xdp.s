; type: xdp
; expect: out-of-bounds
; xdp_md.egress_ifindex (20) exists only in devmap programs; this one has no attach type.
    ldxw %r2, [%r1+20]
    mov %r0, 1
    exit
