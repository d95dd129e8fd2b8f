; expect: pointer-comparison
; type: socket_filter
; Two stack pointers compared in 32 bits: the result flips when the low half of r10 is below
; 8, so it discloses address bits. The twin of safe/pointer_compare_same_region.s.
    mov %r0, 0
    mov %r2, %r10
    add %r2, -8
    jlt32 %r2, %r10, below
    exit
below:
    mov %r0, 1
    exit
