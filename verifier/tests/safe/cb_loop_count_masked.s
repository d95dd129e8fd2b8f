; The twin of unsafe/cb_loop_count_unbounded.s: the count is masked to [0, 1023].
    call 5
    mov %r1, %r0
    and %r1, 1023
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
