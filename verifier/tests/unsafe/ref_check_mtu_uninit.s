; expect: uninit-stack
; type: sched_cls
; bpf_check_mtu reads mtu_len: it must be initialised.
    mov %r2, 0
    mov %r3, %r10
    add %r3, -4
    mov %r4, 0
    mov %r5, 0
    call 163
    mov %r0, 0
    exit
