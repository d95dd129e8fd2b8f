; type: cgroup_sock_addr
; attach: cgroup_inet4_connect
; expect: out-of-bounds
; bpf_sock_addr.msg_src_ip4 (40) exists only at IPv4 sendmsg.
    ldxw %r2, [%r1+40]
    mov %r0, 1
    exit
