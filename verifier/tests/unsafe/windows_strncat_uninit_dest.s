; expect: uninit-stack
; platform: windows
; type: sock_addr
; bpf_strncat_s (28) looks for the end of the string already in its destination: an
; uninitialised destination is read.
    mov %r2, 0
    stxdw [%r10-24], %r2
    mov %r1, %r10
    add %r1, -16
    mov %r2, 16
    mov %r3, %r10
    add %r3, -24
    mov %r4, 8
    call 28
    mov %r0, 1
    exit
