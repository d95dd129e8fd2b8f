; type: cgroup_sock_addr
; attach: cgroup_udp4_sendmsg
; expect: out-of-bounds
; A write of user_ip6[0] (8) at IPv4 sendmsg.
    mov %r2, 1
    stxw [%r1+8], %r2
    mov %r0, 1
    exit
