; expect: helper-argument
; platform: windows
; type: xdp
; map: fd=1 kind=hash key=4 value=8
; bpf_perf_event_output (32) needs a perf event array.
    mov %r2, 42
    stxdw [%r10-8], %r2
    lddw %r2, map_fd 1
    mov %r3, 0
    mov %r4, %r10
    add %r4, -8
    mov %r5, 8
    call 32
    mov %r0, 1
    exit
