; map: fd=1 kind=array key=4 value=64
; Precision: a bounded index and a constant spilled to the stack come back with their
; bounds (Linux's spill/fill tests), across a helper call that clobbers r1-r5.
    call 7
    jgt %r0, 60, out
    stxdw [%r10-16], %r0
    mov %r1, 8
    stxdw [%r10-24], %r1
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r3, [%r10-16]
    ldxdw %r4, [%r10-24]
    mov %r5, %r0
    add %r5, %r4
    ldxdw %r1, [%r5+0]
    add %r0, %r3
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
