; expect: out-of-bounds
; map: fd=1 kind=hash key=4 value=16
; As safe/spilled_map_value_or_stack.s, but the stack copy is 8 bytes too close to the top of
; the frame: after the reload, the read at offset 8 is past the frame's top on that path.
    stw [%r10-4], 2
    stdw [%r10-8], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jne %r0, 0, found
    mov %r0, %r10
    add %r0, -8
found:
    stxdw [%r10-32], %r0
    mov %r0, 0
    mov %r1, 0
    ldxdw %r2, [%r10-32]
    ldxdw %r0, [%r2+8]
    exit
