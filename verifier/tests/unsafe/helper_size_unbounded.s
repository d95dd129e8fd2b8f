; expect: helper-argument
; The format size comes unchecked from the context.
    mov %r2, 0
    stxdw [%r10-8], %r2
    ldxw %r2, [%r1+12]
    mov %r1, %r10
    add %r1, -8
    mov %r3, 0
    mov %r4, 0
    mov %r5, 0
    call 6
    mov %r0, 0
    exit
