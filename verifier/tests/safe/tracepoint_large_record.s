; type: tracepoint
; A field at byte 1,000 of a tracepoint record: accepted, the host checks the record's size
; at attach. The twin of unsafe/tracepoint_past_perf_max_trace_size.s.
    ldxdw %r0, [%r1+1000]
    mov %r0, 0
    exit
