; A format string built on the stack.
    mov %r1, 0x6968
    stxh [%r10-4], %r1
    mov %r1, 0
    stxh [%r10-2], %r1
    mov %r1, %r10
    add %r1, -4
    mov %r2, 4
    mov %r3, 0
    mov %r4, 0
    mov %r5, 0
    call 6
    mov %r0, 0
    exit
