; expect: helper-argument
; type: sched_cls
; The twin of safe/sksk_fullsock_state.s releasing bpf_sk_fullsock's result: derived from
; skb->sk, it holds no reference either.
    ldxdw %r1, [%r1+168]
    jeq %r1, 0, out
    call 95
    jeq %r0, 0, out
    mov %r1, %r0
    call 86
out:
    mov %r0, 0
    exit
