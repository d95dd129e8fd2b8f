; expect: out-of-bounds
; type: sched_cls
; An 8-byte load at 164 reads gso_segs and half of skb->sk: no field of the context.
    ldxdw %r0, [%r1+164]
    exit
