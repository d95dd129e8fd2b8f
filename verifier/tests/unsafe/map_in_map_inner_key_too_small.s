; expect: uninit-stack
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=hash inner_key=8 inner_value=8
; The inner maps' keys have 8 bytes (the template's, not the outer map's 4): a key with 4
; initialised bytes does not do.
    stw [%r10-4], 0
    stw [%r10-16], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, %r0
    mov %r2, %r10
    add %r2, -16
    call 1
out:
    mov %r0, 0
    exit
