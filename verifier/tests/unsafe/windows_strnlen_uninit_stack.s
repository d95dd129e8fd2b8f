; expect: uninit-stack
; platform: windows
; type: xdp
; bpf_strnlen_s (29) reads 16 stack bytes of which only 8 were written.
    mov %r2, 0
    stxdw [%r10-16], %r2
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    call 29
    mov %r0, 1
    exit
