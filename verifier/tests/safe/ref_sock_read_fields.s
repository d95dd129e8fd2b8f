; type: sched_cls
; The twin of unsafe/ref_sock_read_past_end.s and ref_sock_port_padding.s: whole fields,
; dst_port as 16 and 32 bits, one byte of an IPv6 address word, rx_queue_mapping at the end.
    mov %r6, %r1
    stdw [%r10-16], 0
    stw [%r10-8], 0
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -16
    mov %r3, 12
    mov %r4, -1
    mov %r5, 0
    call 84
    jeq %r0, 0, out
    ldxw %r7, [%r0+4]
    ldxh %r7, [%r0+48]
    ldxw %r7, [%r0+48]
    ldxb %r7, [%r0+31]
    ldxw %r7, [%r0+76]
    mov %r1, %r0
    call 86
out:
    mov %r0, 0
    exit
