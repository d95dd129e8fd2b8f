; map: fd=1 kind=hash key=4 value=16
; The null check on r0 also covers its copy in r6.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r6, %r0
    jne %r0, 0, found
    mov %r0, 0
    exit
found:
    ldxdw %r0, [%r6+8]
    exit
