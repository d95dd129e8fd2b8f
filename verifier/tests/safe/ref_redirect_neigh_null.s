; type: sched_cls
; bpf_redirect_neigh with no parameters (null, size 0), and bpf_redirect_peer.
    mov %r1, 1
    mov %r2, 0
    mov %r3, 0
    mov %r4, 0
    call 152
    mov %r1, 1
    mov %r2, 0
    call 155
    mov %r0, 0
    exit
