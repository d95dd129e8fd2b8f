; expect: out-of-bounds
; map: fd=1 kind=array key=4 value=64
; The twin of safe/prec_loop_bound_in_register.s whose exit test is `<=`: the last round
; reads word 16, bytes 64..67 of a 64-byte value.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r8, 16
    mov %r6, 0
    mov %r7, 0
loop:
    mov %r1, %r6
    lsh %r1, 2
    mov %r2, %r0
    add %r2, %r1
    ldxw %r3, [%r2+0]
    add %r7, %r3
    add %r6, 1
    jle %r6, %r8, loop
    mov %r0, %r7
    exit
out:
    mov %r0, 0
    exit
