; expect: helper-argument
; A lock must be in a map value, not on the stack.
    stw [%r10-8], 0
    mov %r1, %r10
    add %r1, -8
    call 93
    mov %r1, %r10
    add %r1, -8
    call 94
    mov %r0, 2
    exit
