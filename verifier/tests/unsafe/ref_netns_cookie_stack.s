; expect: helper-argument
; type: cgroup_sock_addr
; bpf_get_netns_cookie takes the context or null, not a stack pointer.
    mov %r1, %r10
    add %r1, -8
    call 122
    mov %r0, 1
    exit
