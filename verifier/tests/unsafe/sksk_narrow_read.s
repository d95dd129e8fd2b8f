; expect: pointer-leak
; type: sched_cls
; A 4-byte load of skb->sk would give half a kernel address as a number.
    ldxw %r0, [%r1+168]
    exit
