; expect: out-of-bounds
; map: fd=1 kind=hash key=4 value=16
; As safe/map_value_or_stack_fallback.s, but the stack copy is 8 bytes too close to the top
; of the frame: the read at offset 8 is inside the map value and past the frame's top.
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
    ldxdw %r0, [%r0+8]
    exit
