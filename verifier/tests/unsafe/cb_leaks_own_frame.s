; expect: type-mismatch
; The callback stores the address of its own frame into the caller's slot; after bpf_loop
; returns, that frame is gone, and the caller's load through the pointer is refused.
    stdw [%r10-8], 0
    mov %r1, 1
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r1, [%r10-8]
    ldxdw %r0, [%r1-8]
    and %r0, 1
    exit
cb:
    stdw [%r10-8], 0
    mov %r3, %r10
    stxdw [%r2+0], %r3
    mov %r0, 0
    exit
