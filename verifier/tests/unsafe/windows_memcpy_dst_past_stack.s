; expect: helper-argument
; platform: windows
; type: bind
; bpf_memcpy (22) is told its destination at r10-8 holds 16 bytes: 8 of them are past the frame.
    mov %r2, 0
    stxdw [%r10-8], %r2
    stxdw [%r10-16], %r2
    mov %r1, %r10
    add %r1, -8
    mov %r2, 16
    mov %r3, %r10
    add %r3, -16
    mov %r4, 8
    call 22
    mov %r0, 0
    exit
