; type: kprobe
; map: fd=1 kind=stack_trace key=4 value=64
; The twin of unsafe/stack_trace_lookup.s: a stack trace map is what bpf_get_stackid takes.
    lddw %r2, map_fd 1
    mov %r3, 0
    call 27
    mov %r0, 0
    exit
