; type: raw_tracepoint
; args[11], the last any raw tracepoint can have: accepted, with 96 as the furthest context
; byte for the host to check against the target at attach.
; The twin of unsafe/raw_tp_args_past_twelve.s.
    ldxdw %r0, [%r1+88]
    mov %r0, 0
    exit
