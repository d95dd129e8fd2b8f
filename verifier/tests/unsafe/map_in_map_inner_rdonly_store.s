; expect: read-only
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_value=8 inner_flags=rdonly_prog
; The inner maps are read-only for programs (their template says so): a store into a value
; found through the outer map is refused like one into the map itself.
    mov %r1, 0
    stxw [%r10-4], %r1
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
    stdw [%r0], 1
out:
    mov %r0, 0
    exit
