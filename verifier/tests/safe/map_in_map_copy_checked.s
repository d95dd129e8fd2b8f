; map: fd=1 kind=hash_of_maps key=8 value=4 inner_kind=hash inner_key=8 inner_value=8
; The inner map is copied to r6 and spilled to the stack before the null check of r0: the
; check refines the copies too (same lookup), and the key is 8 bytes as both templates say.
    stdw [%r10-8], 7
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 1
    mov %r6, %r0
    stxdw [%r10-16], %r0
    jne %r0, 0, found
    mov %r0, 0
    exit
found:
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -8
    call 1
    ldxdw %r1, [%r10-16]
    mov %r2, %r10
    add %r2, -8
    call 1
    jeq %r0, 0, out
    ldxdw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
