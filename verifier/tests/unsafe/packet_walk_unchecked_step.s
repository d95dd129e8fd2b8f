; expect: out-of-bounds
; type: xdp
; The pointer advances by 2 after checking 1 byte: the second read is unchecked.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r0, 0
    mov %r4, 0
loop:
    mov %r5, %r2
    add %r5, 1
    jgt %r5, %r3, out
    ldxh %r6, [%r2+0]
    add %r0, %r6
    add %r2, 2
    add %r4, 1
    jlt %r4, 16, loop
out:
    exit
