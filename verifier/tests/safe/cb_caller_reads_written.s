; The twin of unsafe/cb_caller_reads_unwritten.s: the caller initialises the slot first, so
; whether or not the callback runs, it is initialised after the call.
    stdw [%r10-8], 0
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r0, [%r10-8]
    and %r0, 1
    exit
cb:
    stdw [%r2+0], 1
    mov %r0, 0
    exit
