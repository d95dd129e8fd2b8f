; expect: out-of-bounds
; type: sched_cls
; The twin of safe/sksk_fullsock_state.s without bpf_sk_fullsock: skb->sk is a sock_common,
; which has no `type`.
    ldxdw %r2, [%r1+168]
    jeq %r2, 0, out
    ldxw %r0, [%r2+8]
out:
    mov %r0, 0
    exit
