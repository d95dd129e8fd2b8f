; type: xdp
; attach: xdp_cpumap
; expect: out-of-bounds
; A cpumap program has no egress device: egress_ifindex is not a field there.
    ldxw %r2, [%r1+20]
    mov %r0, 1
    exit
