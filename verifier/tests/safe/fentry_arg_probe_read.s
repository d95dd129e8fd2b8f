; type: tracing
; An fentry program reads through its first argument with bpf_probe_read (helper 4).
; The twin of unsafe/fentry_arg_dereference.s.
    ldxdw %r3, [%r1+0]
    mov %r1, %r10
    add %r1, -8
    mov %r2, 8
    call 4
    mov %r0, 0
    exit
