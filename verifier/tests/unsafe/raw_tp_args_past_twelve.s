; expect: out-of-bounds
; type: raw_tracepoint
; A raw tracepoint has at most 12 arguments (MAX_BPF_FUNC_ARGS): args[12] is past any
; target's context. The twin of safe/raw_tp_last_arg.s.
    ldxdw %r0, [%r1+96]
    mov %r0, 0
    exit
