; platform: windows
; type: xdp
; map: fd=1 kind=perf_event_array key=4 value=4
; bpf_perf_event_output (32): the context, a perf event array, flags and 8 stack bytes.
    mov %r2, 42
    stxdw [%r10-8], %r2
    lddw %r2, map_fd 1
    lddw %r3, 0xffffffff
    mov %r4, %r10
    add %r4, -8
    mov %r5, 8
    call 32
    mov %r0, 1
    exit
