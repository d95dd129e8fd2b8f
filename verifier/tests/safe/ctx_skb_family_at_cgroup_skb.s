; type: cgroup_skb
; attach: cgroup_inet_ingress
; The twin of unsafe/ctx_skb_family_at_lwt_in.s: cgroup_skb programs have them.
    ldxw %r2, [%r1+88]
    mov %r0, 1
    exit
