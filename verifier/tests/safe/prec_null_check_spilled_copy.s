; map: fd=1 kind=hash key=4 value=8
; Precision: a lookup's result spilled before its null check is non-null when filled after
; it (the check refines every copy of the value, as Linux's pointer ids do).
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    stxdw [%r10-16], %r0
    jeq %r0, 0, out
    call 7
    ldxdw %r1, [%r10-16]
    ldxdw %r0, [%r1+0]
    exit
out:
    mov %r0, 0
    exit
