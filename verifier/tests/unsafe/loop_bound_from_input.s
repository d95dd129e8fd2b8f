; expect: unbounded-loop
; Up to 2^32 iterations: more than the verifier accepts.
    ldxw %r2, [%r1+12]
    mov %r0, 0
    mov %r3, 0
loop:
    add %r3, 1
    jlt %r3, %r2, loop
    exit
