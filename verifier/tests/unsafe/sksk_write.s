; expect: read-only
; type: sched_cls
; skb->sk may be read, not written.
    stdw [%r1+168], 0
    mov %r0, 0
    exit
