; expect: callback
; A callback returns a pointer (into its own frame), not 0 or 1.
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    mov %r0, %r10
    exit
