; expect: pointer-arithmetic
; A function address moved by 8 bytes would enter the callback in its middle.
    mov %r1, 4
    lddw %r2, code_addr cb
    add %r2, 8
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
