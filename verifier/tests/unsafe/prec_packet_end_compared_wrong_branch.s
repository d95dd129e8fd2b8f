; expect: out-of-bounds
; type: xdp
; The twin of safe/prec_packet_end_compared_first.s reading on the branch where data_end is
; below data + 14.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 14
    jge %r3, %r4, ok
    ldxh %r0, [%r2+12]
    exit
ok:
    mov %r0, 1
    exit
