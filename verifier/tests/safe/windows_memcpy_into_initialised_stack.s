; platform: windows
; type: bind
; bpf_memcpy (22) copies 8 initialised bytes into an initialised 16-byte buffer, which stays
; readable afterwards.
    mov %r2, 0
    stxdw [%r10-16], %r2
    stxdw [%r10-8], %r2
    mov %r2, 7
    stxdw [%r10-24], %r2
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    mov %r3, %r10
    add %r3, -24
    mov %r4, 8
    call 22
    ldxdw %r0, [%r10-16]
    ldxdw %r0, [%r10-8]
    mov %r0, 0
    exit
