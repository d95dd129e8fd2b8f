; expect: callback
; A function address outside the program.
    lddw %r2, code_addr 100
    mov %r1, 4
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
