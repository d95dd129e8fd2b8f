; A callback that calls a local function, passing its context on.
    stdw [%r10-8], 0
    mov %r1, 8
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r0, [%r10-8]
    and %r0, 1
    exit
cb:
    mov %r1, %r2
    call local bump
    mov %r0, 0
    exit
bump:
    ldxdw %r2, [%r1+0]
    add %r2, 1
    stxdw [%r1+0], %r2
    mov %r0, 0
    exit
