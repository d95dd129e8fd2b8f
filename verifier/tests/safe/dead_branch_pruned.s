; A constant condition: the faulting branch is never taken.
    mov %r1, 0
    jeq %r1, 1, bad
    mov %r0, 0
    exit
bad:
    ldxdw %r0, [%r1+0]
    exit
