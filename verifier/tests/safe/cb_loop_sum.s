; bpf_loop(16, cb, &sum, 0): the callback adds its index to a u64 on the caller's stack
; through its context pointer; the caller reads it back afterwards.
    mov %r1, 0
    stxdw [%r10-8], %r1
    mov %r1, 16
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r0, [%r10-8]
    and %r0, 1
    exit
cb:
    ldxdw %r3, [%r2+0]
    add %r3, %r1
    stxdw [%r2+0], %r3
    mov %r0, 0
    exit
