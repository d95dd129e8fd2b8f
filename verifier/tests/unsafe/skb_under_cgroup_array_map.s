; expect: helper-argument
; type: sched_cls
; map: fd=1 kind=array key=4 value=4
; bpf_skb_under_cgroup looks the index up in a cgroup array; an array of numbers is not one.
    lddw %r2, map_fd 1
    mov %r3, 0
    call 33
    mov %r0, 0
    exit
