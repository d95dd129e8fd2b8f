; expect: helper-argument
; type: sched_cls
; bpf_sk_release of the context, which is no socket reference.
    call 86
    mov %r0, 0
    exit
