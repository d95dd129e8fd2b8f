; expect: read-only
; type: cgroup_skb
; cgroup_skb programs may read the packet but not write it.
    ldxw %r2, [%r1+76]
    ldxw %r3, [%r1+80]
    mov %r4, %r2
    add %r4, 1
    jgt %r4, %r3, out
    stb [%r2+0], 0
out:
    mov %r0, 1
    exit
