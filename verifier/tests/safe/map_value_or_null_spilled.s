; map: fd=1 kind=hash key=4 value=16
; A map value pointer that is 0 on one path (not looked up) is spilled, reloaded, checked
; against 0 and read.
    stw [%r10-4], 2
    mov %r0, 0
    ldxw %r2, [%r1+0]
    jeq %r2, 0, skip
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
skip:
    stxdw [%r10-16], %r0
    ldxdw %r3, [%r10-16]
    mov %r0, 0
    jeq %r3, 0, out
    ldxdw %r0, [%r3+8]
out:
    exit
