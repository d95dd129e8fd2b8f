; type: xdp
; Precision: the packet bound proved with data_end on the left of the comparison (`if end
; >= data + 14`, Linux's direct packet access tests cover every such form), on both the
; taken and the fall-through branch of the mirrored tests.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jge %r3, %r4, ok
    mov %r0, 1
    exit
ok:
    ldxh %r0, [%r2+12]
    mov %r4, %r2
    add %r4, 20
    jlt %r3, %r4, drop
    ldxw %r0, [%r2+16]
    exit
drop:
    mov %r0, 1
    exit
