; expect: uninit-register
; A bpf_loop callback gets two arguments: r3 is not one of them.
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 7
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    mov %r0, %r3
    and %r0, 1
    exit
