; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=16
; map: fd=2 kind=hash_of_maps key=4 value=4 inner_kind=hash inner_key=4 inner_value=8
; One of two maps of maps (by a context field): the inner map is either template, so its
; values are at least 8 bytes.
    ldxw %r6, [%r1+0]
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    jeq %r6, 0, lookup
    lddw %r1, map_fd 2
lookup:
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, %r0
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
