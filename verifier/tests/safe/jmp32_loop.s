; A 32-bit counter.
    mov32 %r1, 0
    mov %r0, 0
loop:
    add32 %r1, 1
    add %r0, 2
    jlt32 %r1, 10, loop
    exit
