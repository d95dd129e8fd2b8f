; type: cgroup_sock_addr
; attach: cgroup_inet4_connect
; bpf_get_netns_cookie of the context, then of null (the current namespace).
    mov %r6, %r1
    call 122
    mov %r1, 0
    call 122
    mov %r0, 1
    exit
