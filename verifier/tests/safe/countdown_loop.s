; A counter that counts down to zero.
    mov %r0, 0
    mov %r1, 10
loop:
    add %r0, 3
    sub %r1, 1
    jne %r1, 0, loop
    exit
