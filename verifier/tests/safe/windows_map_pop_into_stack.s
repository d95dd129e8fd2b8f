; platform: windows
; type: bind
; map: fd=1 kind=queue key=0 value=8
; eBPF for Windows writes the popped value only when the pop succeeds: the buffer is zeroed
; first, so it is initialised whatever the result (the twin of
; unsafe/windows_map_pop_buffer_uninit.s).
    mov %r1, 0
    stxdw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 17
    ldxdw %r0, [%r10-8]
    mov %r0, 0
    exit
