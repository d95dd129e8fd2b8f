; type: socket_filter
; Pointers may be compared with 0, in 64 and 32 bits, as an immediate or a register known 0
; (a null check discloses nothing). The twin of unsafe/pointer_compare_with_number.s.
    mov %r0, 0
    jeq %r1, 0, out
    mov %r2, 0
    jgt %r10, %r2, nonzero
    exit
nonzero:
    jne32 %r1, 0, out
    mov %r0, 1
out:
    exit
