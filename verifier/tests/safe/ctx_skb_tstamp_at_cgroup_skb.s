; type: cgroup_skb
; attach: cgroup_inet_egress
; The twin of unsafe/ctx_skb_tstamp_at_lwt_xmit.s.
    ldxdw %r2, [%r1+152]
    mov %r0, 1
    exit
