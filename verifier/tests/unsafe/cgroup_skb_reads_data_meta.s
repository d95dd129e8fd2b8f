; expect: out-of-bounds
; type: cgroup_skb
; cgroup_skb has no metadata pointer: reading the field would leak an address.
    ldxw %r2, [%r1+140]
    mov %r0, 1
    exit
