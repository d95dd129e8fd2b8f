; expect: helper-argument
; bpf_loop's flags must be 0.
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 1
    call 181
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
