; expect: unbounded-loop
; Counts down by 2 from 10 and waits for 1: never reached.
    mov %r0, 0
    mov %r1, 10
loop:
    sub %r1, 2
    jne %r1, 1, loop
    exit
