; expect: pointer-comparison
; Packet pointers are one region, but jset of one with another tests address bits.
; The twin of safe/xdp_eth_header.s (which compares them in order).
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r0, 0
    jset %r2, %r3, both
    exit
both:
    mov %r0, 1
    exit
