; expect: run-too-long
; type: sched_cls
; A loop over every byte of the packet: tc packets (skb linear data) reach 512 KiB, so it may
; run 3.6 million instructions. The twin of safe/xdp_packet_byte_loop.s, the same loop where
; packets stay within a 64 KiB page.
    ldxw %r2, [%r1+76]
    ldxw %r3, [%r1+80]
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
    exit
