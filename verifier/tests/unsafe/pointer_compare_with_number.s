; expect: pointer-comparison
; type: socket_filter
; A context pointer compared with a number: whether it lies above 0x10000 is an address bit.
; The twin of safe/pointer_compare_with_zero.s.
    mov %r0, 0
    jgt %r1, 0x10000, high
    exit
high:
    mov %r0, 1
    exit
