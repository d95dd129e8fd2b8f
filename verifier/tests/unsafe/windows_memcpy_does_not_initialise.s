; expect: uninit-stack
; platform: windows
; type: bind
; bpf_memcpy (22) into an uninitialised buffer may copy nothing (a source larger than the
; destination) or fewer bytes than the buffer holds: the buffer is still unreadable.
    mov %r2, 7
    stxdw [%r10-24], %r2
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    mov %r3, %r10
    add %r3, -24
    mov %r4, 8
    call 22
    ldxdw %r0, [%r10-8]
    exit
