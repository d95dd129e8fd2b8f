; expect: helper-argument
; memcpy (the builtin a call of the undefined `memcpy` becomes) of 16 bytes to r10 - 8: the
; destination runs 8 bytes past the top of the stack.
    mov %r1, 0
    stxdw [%r10-16], %r1
    stxdw [%r10-24], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, %r10
    add %r2, -24
    mov %r3, 16
    call memcpy#2130706432
    mov %r0, 2
    exit
