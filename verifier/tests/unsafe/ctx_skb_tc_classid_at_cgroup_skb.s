; type: cgroup_skb
; attach: cgroup_inet_egress
; expect: out-of-bounds
; __sk_buff.tc_classid (72) is a tc field.
    ldxw %r2, [%r1+72]
    mov %r0, 1
    exit
