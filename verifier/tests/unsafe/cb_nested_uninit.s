; expect: uninit-stack
; The twin of safe/cb_nested.s where the caller never initialises the counter: the inner
; callback reads it.
    mov %r1, 3
    lddw %r2, code_addr outer
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
outer:
    mov %r3, %r2
    mov %r1, 4
    lddw %r2, code_addr inner
    mov %r4, 0
    call 181
    mov %r0, 0
    exit
inner:
    ldxdw %r3, [%r2+0]
    add %r3, 1
    stxdw [%r2+0], %r3
    mov %r0, 0
    exit
