; expect: pointer-leak
; platform: windows
; eBPF for Windows' bpf_memset (24) returns its destination: a stack pointer, which the
; program may not return as a number.
    mov %r1, %r10
    add %r1, -8
    mov %r2, 8
    mov %r3, 0
    call 24
    exit
