; map: fd=1 kind=array key=4 value=32
; Two paths point at offsets 8 and 24 of the value (Cilium's per-direction counters): the
; joined offset [8, 24] is a multiple of 8 on both.
    stw [%r10-4], 0
    call 7
    mov %r6, %r0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r2, %r0
    add %r2, 8
    jeq %r6, 0, add
    add %r2, 16
add:
    mov %r1, 1
    lock add [%r2], %r1
out:
    mov %r0, 0
    exit
