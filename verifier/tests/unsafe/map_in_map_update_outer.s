; expect: helper-argument
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; A program may not store arbitrary data as an inner map (the host takes map fds only).
    stw [%r10-4], 0
    stw [%r10-8], 3
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 2
    mov %r0, 0
    exit
