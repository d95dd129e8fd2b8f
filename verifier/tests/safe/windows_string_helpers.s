; platform: windows
; type: sock_addr
; bpf_strnlen_s (29) of an initialised buffer, then bpf_strncat_s (28) of 8 initialised bytes
; onto it and bpf_strncpy_s (27) of them into it; the buffer stays readable.
    mov %r2, 0
    stxdw [%r10-16], %r2
    stxdw [%r10-8], %r2
    lddw %r2, 0x6f6c6c6568
    stxdw [%r10-24], %r2
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    call 29
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    mov %r3, %r10
    add %r3, -24
    mov %r4, 8
    call 28
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    mov %r3, %r10
    add %r3, -24
    mov %r4, 8
    call 27
    ldxdw %r0, [%r10-16]
    mov %r0, 1
    exit
