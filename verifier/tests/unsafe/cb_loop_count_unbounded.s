; expect: helper-argument
; The number of iterations comes from the clock: not proved at most 1 << 23.
    call 5
    mov %r1, %r0
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
