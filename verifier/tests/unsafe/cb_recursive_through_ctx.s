; expect: recursion
; The callback's own address reaches it through its context (a slot of the caller's stack),
; and it passes it to bpf_loop: the callback would run inside itself.
    lddw %r1, code_addr cb
    stxdw [%r10-8], %r1
    mov %r1, 2
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    mov %r3, %r2
    ldxdw %r2, [%r2+0]
    mov %r1, 2
    mov %r4, 0
    call 181
    mov %r0, 0
    exit
