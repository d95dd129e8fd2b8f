; expect: out-of-bounds
; map: fd=1 kind=array key=4 value=64
; The twin of safe/prec_subreg_copy_bound.s the other way round: the 32-bit copy of a
; 64-bit number (the time) is bounded and the original used, whose upper bits the copy lost
; (2^32 + 5 passes the check).
    call 5
    mov %r6, %r0
    mov32 %r7, %r6
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    jgt %r7, 60, out
    add %r0, %r6
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
