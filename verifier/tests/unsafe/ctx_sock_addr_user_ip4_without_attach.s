; type: cgroup_sock_addr
; expect: out-of-bounds
; Without an attach type only what every sock_addr hook offers: no address (Linux refuses such a load).
    ldxw %r2, [%r1+4]
    mov %r0, 1
    exit
