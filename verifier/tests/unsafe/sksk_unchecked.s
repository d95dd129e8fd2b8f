; expect: null
; type: sched_cls
; The twin of safe/sksk_common_state.s without the null check: skb->sk may be null.
    ldxdw %r2, [%r1+168]
    ldxw %r3, [%r2+72]
    mov %r0, 0
    exit
