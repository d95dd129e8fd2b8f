; expect: pointer-leak
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; map: fd=2 kind=array key=4 value=8
; The inner map pointer stored into another map's value.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    lddw %r1, map_value 2, 0
    stxdw [%r1+0], %r6
out:
    mov %r0, 0
    exit
