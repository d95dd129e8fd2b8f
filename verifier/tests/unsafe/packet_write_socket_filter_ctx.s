; expect: out-of-bounds
; type: socket_filter
; Socket filters may not read data pointers.
    ldxw %r2, [%r1+76]
    mov %r0, 0
    exit
