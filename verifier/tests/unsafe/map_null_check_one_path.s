; expect: null
; map: fd=1 kind=hash key=4 value=8
; The null check is skipped on one path.
    mov %r9, %r1
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r6, %r0
    ldxw %r7, [%r9+12]
    jeq %r7, 1, skip
    jeq %r6, 0, out
skip:
    ldxdw %r0, [%r6+0]
    exit
out:
    mov %r0, 0
    exit
