; expect: unsupported
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; The values of a map of maps are map references the program may not read or write directly.
    lddw %r1, map_value 1, 0
    stw [%r1+0], 0
    mov %r0, 0
    exit
