; expect: helper-argument
; The callback argument is a number, not a function's address.
    mov %r1, 4
    mov %r2, 100
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
