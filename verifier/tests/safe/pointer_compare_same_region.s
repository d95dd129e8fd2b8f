; type: socket_filter
; Two stack pointers compare like their offsets: nothing about the address is disclosed.
; The twin of unsafe/pointer_compare_other_region.s.
    mov %r0, 0
    mov %r2, %r10
    add %r2, -8
    jlt %r2, %r10, below
    exit
below:
    mov %r0, 1
    exit
