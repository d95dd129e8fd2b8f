; expect: unbounded-loop
    mov %r0, 0
loop:
    ja loop
    exit
