; expect: pointer-comparison
; type: socket_filter
; The stack pointer compared with the context pointer: their order says where the stack lies.
; The twin of safe/pointer_compare_same_region.s.
    mov %r0, 0
    mov %r2, %r10
    add %r2, -8
    jlt %r2, %r1, below
    exit
below:
    mov %r0, 1
    exit
