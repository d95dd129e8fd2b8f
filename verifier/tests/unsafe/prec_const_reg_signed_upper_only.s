; expect: out-of-bounds
; map: fd=1 kind=array key=4 value=64
; The twin of safe/prec_const_reg_signed_range.s without the lower bound: a signed upper
; bound leaves negative indexes, which point before the value.
    call 5
    mov %r6, %r0
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r3, 56
    jsgt %r6, %r3, out
    add %r0, %r6
    ldxdw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
