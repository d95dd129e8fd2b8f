; expect: helper-argument
; map: fd=1 kind=array_of_maps key=4 value=4
; Without an inner map template the lookup's result cannot be typed.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r0, 0
    exit
