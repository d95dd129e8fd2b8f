; expect: helper-argument
; type: sched_cls
; skb->sk holds no reference: the program may not release it.
    ldxdw %r1, [%r1+168]
    jeq %r1, 0, out
    call 86
out:
    mov %r0, 0
    exit
