; map: fd=1 kind=array key=4 value=64
; An index from the packet, masked, scales into the value.
    ldxw %r6, [%r1+16]
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    and %r6, 7
    lsh %r6, 3
    add %r0, %r6
    ldxdw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
