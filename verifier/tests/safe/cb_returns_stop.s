; The twin of unsafe/cb_returns_two.s: the callback stops (1) at index 3, else goes on (0).
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    jne %r1, 3, out
    mov %r0, 1
out:
    exit
