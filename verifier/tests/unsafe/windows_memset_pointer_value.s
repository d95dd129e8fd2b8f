; expect: helper-argument
; platform: windows
; type: xdp
; bpf_memset (24) with a stack pointer as the fill value would store address bits.
    mov %r1, %r10
    add %r1, -8
    mov %r2, 8
    mov %r3, %r10
    call 24
    mov %r0, 1
    exit
