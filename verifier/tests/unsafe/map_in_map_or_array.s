; expect: helper-argument
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; map: fd=2 kind=array key=4 value=8
; Either a map of maps or an array: the result may be an inner map or a value.
    ldxw %r6, [%r1+0]
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    jeq %r6, 0, lookup
    lddw %r1, map_fd 2
lookup:
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r0, 0
    exit
