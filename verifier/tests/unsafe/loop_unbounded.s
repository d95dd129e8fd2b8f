; expect: unbounded-loop
    mov %r0, 0
    mov %r1, 0
loop:
    add %r0, 1
    jne %r1, 1, loop
    exit
