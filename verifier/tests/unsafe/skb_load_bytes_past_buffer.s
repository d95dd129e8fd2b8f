; expect: helper-argument
; type: socket_filter
; 8 bytes loaded into a 4-byte slot at the top of the frame.
    mov %r2, 12
    mov %r3, %r10
    add %r3, -4
    mov %r4, 8
    call 26
    mov %r0, 0
    exit
