; type: xdp
; Sums up to 64 packet bytes, checking each against data_end.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r0, 0
    mov %r4, 0
loop:
    mov %r5, %r2
    add %r5, %r4
    mov %r6, %r5
    add %r6, 1
    jgt %r6, %r3, out
    ldxb %r7, [%r5+0]
    add %r0, %r7
    add %r4, 1
    jlt %r4, 64, loop
out:
    exit
