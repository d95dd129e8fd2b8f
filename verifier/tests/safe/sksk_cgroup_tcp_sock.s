; type: cgroup_skb
; cgroup_skb's skb->sk, through bpf_sk_fullsock and bpf_tcp_sock: snd_cwnd is readable; no
; pointer on the way holds a reference.
    ldxdw %r1, [%r1+168]
    jeq %r1, 0, out
    call 95
    jeq %r0, 0, out
    mov %r1, %r0
    call 96
    jeq %r0, 0, out
    ldxw %r2, [%r0+0]
out:
    mov %r0, 1
    exit
