; expect: pointer-comparison
; type: socket_filter
; A register holding the stack pointer on one path and a number on another, compared with a
; number: on the first path the result depends on the address.
; The twin of safe/pointer_difference_jset.s.
    ldxw %r0, [%r1+0]
    mov %r2, 7
    jeq %r0, 0, cmp
    mov %r2, %r10
cmp:
    mov %r0, 0
    jgt %r2, 100, high
    exit
high:
    mov %r0, 1
    exit
