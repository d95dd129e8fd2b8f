; Two bpf_loop calls with different callbacks: each call enters only the callback it names
; (the second would fault if entered from the first call: it reads its context).
    mov %r1, 4
    lddw %r2, code_addr first
    mov %r3, 0
    mov %r4, 0
    call 181
    stdw [%r10-8], 0
    mov %r1, 4
    lddw %r2, code_addr second
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r0, [%r10-8]
    and %r0, 1
    exit
first:
    mov %r0, 0
    exit
second:
    ldxdw %r0, [%r2+0]
    add %r0, 1
    stxdw [%r2+0], %r0
    mov %r0, 0
    exit
