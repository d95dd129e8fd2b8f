; type: cgroup_sock
; expect: out-of-bounds
; bpf_sock.src_port (44) without an attach type: socket creation, where there is no port yet.
    ldxw %r2, [%r1+44]
    mov %r0, 1
    exit
