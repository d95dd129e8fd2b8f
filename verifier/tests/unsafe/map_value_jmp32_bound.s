; expect: out-of-bounds
; map: fd=1 kind=array key=4 value=64
; A 32-bit comparison does not bound a 64-bit index.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r6, [%r0+0]
    jgt32 %r6, 56, out
    add %r0, %r6
    ldxdw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
