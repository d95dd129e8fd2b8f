; expect: type-mismatch
; map: fd=1 kind=hash_of_maps key=4 value=4 inner_kind=hash inner_key=4 inner_value=8
; Writing through the inner map pointer (the kernel's map structure).
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    stw [%r0+0], 1
out:
    mov %r0, 0
    exit
