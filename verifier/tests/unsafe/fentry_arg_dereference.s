; expect: type-mismatch
; type: tracing
; An fentry program's arguments are numbers here (Linux types pointer arguments by BTF, which
; this verifier does not model): reading through one directly is refused.
; The twin of safe/fentry_arg_probe_read.s.
    ldxdw %r2, [%r1+0]
    ldxdw %r0, [%r2+0]
    mov %r0, 0
    exit
