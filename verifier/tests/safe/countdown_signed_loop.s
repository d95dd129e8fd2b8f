; A counter that counts down while positive (signed).
    mov %r0, 0
    mov %r1, 100
loop:
    add %r0, 1
    add %r1, -3
    jsgt %r1, 0, loop
    exit
