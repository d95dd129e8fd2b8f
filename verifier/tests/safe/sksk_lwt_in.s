; type: lwt_in
; lwt_in programs read skb->sk too (Linux's bpf_skb_is_valid_access): a sock_common or null.
    ldxdw %r2, [%r1+168]
    jeq %r2, 0, out
    ldxw %r3, [%r2+4]
out:
    mov %r0, 0
    exit
