; expect: null
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; The outer lookup's result read as if it were a value, before any null check.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    ldxw %r0, [%r0+0]
    exit
