; expect: out-of-bounds
; map: fd=1 kind=array key=4 value=64
; The twin of safe/prec_spill_fill_bounded.s: one byte of the spilled index is overwritten
; with an unknown byte, so the 8-byte fill is no longer bounded.
    call 7
    mov %r6, %r0
    jgt %r0, 60, out
    stxdw [%r10-16], %r0
    stxb [%r10-13], %r6
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r3, [%r10-16]
    add %r0, %r3
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
