; map: fd=1 kind=array key=4 value=64
; Precision: an index bounded by a register holding a constant (unsigned) reads a 64-byte
; value at its last word.
    ldxw %r6, [%r1+16]
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r3, 60
    jgt %r6, %r3, out
    add %r0, %r6
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
