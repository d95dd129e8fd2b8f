; A callback that calls bpf_loop with another callback, passing its context on: the inner
; callback counts into the caller's stack, 3 x 4 times at most.
    stdw [%r10-8], 0
    mov %r1, 3
    lddw %r2, code_addr outer
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r0, [%r10-8]
    and %r0, 1
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
