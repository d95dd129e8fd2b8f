; expect: out-of-bounds
; The branch goes the wrong way: reads when data + 14 >= data_end.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jlt %r4, %r3, out
    ldxb %r0, [%r2+0]
    exit
out:
    mov %r0, 0
    exit
