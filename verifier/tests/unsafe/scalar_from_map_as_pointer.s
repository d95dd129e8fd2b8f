; expect: type-mismatch
; map: fd=1 kind=hash key=4 value=8
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r1, [%r0+0]
    ldxdw %r0, [%r1+0]
    exit
out:
    mov %r0, 0
    exit
