; expect: callback
; type: socket_filter
; A legacy packet load inside a callback (whose hidden exit would leave the callback, not a
; function the program called) is refused.
    mov %r6, %r1
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 0
    exit
cb:
    ldabsb 0
    mov %r0, 0
    exit
