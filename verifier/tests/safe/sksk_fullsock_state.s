; type: sched_cls
; skb->sk (a sock_common or null, holding no reference), null-checked, made a full socket by
; bpf_sk_fullsock and null-checked again: its state is readable, and nothing is released.
    ldxdw %r2, [%r1+168]
    jeq %r2, 0, out
    mov %r1, %r2
    call 95
    jeq %r0, 0, out
    ldxw %r0, [%r0+72]
    mov %r0, 0
    exit
out:
    mov %r0, 0
    exit
