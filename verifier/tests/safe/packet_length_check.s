; type: xdp
; The length as data_end - data, checked, then a read: the length stays related to the
; packet size.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r3
    sub %r4, %r2
    jlt %r4, 14, out
    ldxh %r0, [%r2+12]
    exit
out:
    mov %r0, 0
    exit
