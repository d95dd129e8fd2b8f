; platform: windows
; type: xdp
; bpf_memset (24) writes every byte of its buffer: uninitialised stack becomes readable.
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    mov %r3, 0
    call 24
    ldxdw %r0, [%r10-16]
    ldxdw %r0, [%r10-8]
    mov %r0, 1
    exit
