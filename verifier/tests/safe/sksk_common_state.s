; type: sched_cls
; skb->sk null-checked is a sock_common: its state and ports are readable without
; bpf_sk_fullsock.
    ldxdw %r2, [%r1+168]
    jeq %r2, 0, out
    ldxw %r3, [%r2+72]
    ldxw %r4, [%r2+44]
out:
    mov %r0, 0
    exit
