; The caller keeps a stack pointer in r6 across bpf_loop and reads what the callback stored
; through the same slot; r6-r9 survive the helper call.
    stdw [%r10-16], 0
    mov %r6, %r10
    add %r6, -16
    mov %r1, 3
    lddw %r2, code_addr cb
    mov %r3, %r6
    mov %r4, 0
    call 181
    ldxdw %r0, [%r6+0]
    and %r0, 1
    exit
cb:
    mov %r6, 5
    stxdw [%r2+0], %r1
    mov %r0, 0
    exit
