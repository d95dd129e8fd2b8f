; type: xdp
; Packet pointers survive a round trip through the stack with their bounds.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 8
    jgt %r4, %r3, out
    stxdw [%r10-8], %r2
    stxdw [%r10-16], %r3
    ldxdw %r5, [%r10-8]
    ldxdw %r0, [%r5+0]
    exit
out:
    mov %r0, 0
    exit
