; The twin of unsafe/cb_own_stack_fresh.s: the callback writes its own slot before reading.
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    stdw [%r10-8], 0
    ldxdw %r0, [%r10-8]
    and %r0, 1
    exit
