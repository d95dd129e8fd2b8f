; expect: uninit-stack
; The caller passes the address of 8 stack bytes it never wrote; the callback reads them
; through its context pointer.
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    ldxdw %r0, [%r2+0]
    and %r0, 1
    exit
