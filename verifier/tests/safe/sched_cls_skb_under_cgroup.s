; type: sched_cls
; map: fd=1 kind=cgroup_array key=4 value=4
; The twin of unsafe/skb_under_cgroup_array_map.s.
    lddw %r2, map_fd 1
    mov %r3, 0
    call 33
    mov %r0, 0
    exit
