; expect: helper-argument
; map: fd=1 kind=hash_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; Lookups are the only helper a program may apply to a map of maps.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 3
    mov %r0, 0
    exit
