; expect: out-of-bounds
; type: tracepoint
; Tracepoint records are at most PERF_MAX_TRACE_SIZE (8,192) bytes.
; The twin of safe/tracepoint_large_record.s.
    ldxdw %r0, [%r1+8192]
    mov %r0, 0
    exit
