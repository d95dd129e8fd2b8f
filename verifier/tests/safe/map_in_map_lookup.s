; map: fd=1 kind=array_of_maps key=4 value=4 entries=4 inner_kind=array inner_key=4 inner_value=16
; A lookup in an array of maps gives the inner map (after a null check); a lookup in that
; gives a 16-byte value (the inner template's size), read and written at its last word.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, %r0
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxw %r1, [%r0+12]
    add %r1, 1
    stxw [%r0+12], %r1
out:
    mov %r0, 0
    exit
