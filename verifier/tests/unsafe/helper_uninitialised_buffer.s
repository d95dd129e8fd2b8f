; expect: uninit-stack
; The format buffer was never written.
    mov %r1, %r10
    add %r1, -8
    mov %r2, 8
    mov %r3, 0
    mov %r4, 0
    mov %r5, 0
    call 6
    mov %r0, 0
    exit
