; expect: unbounded-loop
; As safe/loop_zero_extended_index.s, but the index starts above the exit value: the low 32
; bits meet 1000 only after wrapping around 2^32, some 4 billion iterations later.
    mov %r6, 2000
    mov %r0, 0
    ja body
next:
    add %r6, 1
    mov %r1, %r6
    lsh %r1, 32
    rsh %r1, 32
    jeq %r1, 1000, out
body:
    add %r0, %r6
    ja next
out:
    mov %r0, 0
    exit
