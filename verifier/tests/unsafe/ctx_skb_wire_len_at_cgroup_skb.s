; type: cgroup_skb
; attach: cgroup_inet_ingress
; expect: out-of-bounds
; __sk_buff.wire_len (160) is a tc field: cgroup_skb programs may not read it.
    ldxw %r2, [%r1+160]
    mov %r0, 1
    exit
