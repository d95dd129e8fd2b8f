; type: cgroup_sock_addr
; attach: cgroup_udp6_recvmsg
; expect: out-of-bounds
; bpf_sock_addr.msg_src_ip6 (44) exists only at IPv6 sendmsg, not recvmsg.
    ldxw %r2, [%r1+44]
    mov %r0, 1
    exit
