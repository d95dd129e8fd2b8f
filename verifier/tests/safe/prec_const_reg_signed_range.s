; map: fd=1 kind=array key=4 value=64
; Precision: a signed index bounded on both sides by registers holding constants
; (0 <= i <= 56 from `i s< r4` and `i s> r3` exits), then an 8-byte read.
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
    mov %r4, 0
    jsgt %r6, %r3, out
    jslt %r6, %r4, out
    add %r0, %r6
    ldxdw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
