; A loop over every byte of the packet: XDP packets fit a 64 KiB page, so it runs at most
; 460,000 instructions. The twin of unsafe/sched_cls_packet_byte_loop_runs_too_long.s.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r0, 0
loop:
    mov %r4, %r2
    add %r4, 1
    jgt %r4, %r3, out
    ldxb %r5, [%r2]
    add %r0, %r5
    mov %r2, %r4
    ja loop
out:
    and %r0, 3
    exit
