; type: socket_filter
; The difference of two pointers into one region is a number: its bits may be tested.
; The twin of unsafe/pointer_disclosure_jset_r10.s and unsafe/pointer_or_number_compared.s.
    mov %r2, %r10
    add %r2, -8
    mov %r3, %r10
    sub %r3, %r2
    mov %r0, 0
    jset %r3, 8, set
    exit
set:
    mov %r0, 1
    exit
