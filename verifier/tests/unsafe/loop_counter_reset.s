; expect: unbounded-loop
    mov %r0, 0
    mov %r1, 0
loop:
    add %r1, 1
    jlt %r1, 5, loop
    mov %r1, 0
    ja loop
