; expect: misaligned
; A 4-byte atomic on the stack at r10 - 6.
    stdw [%r10-8], 0
    mov %r1, 1
    lock add32 [%r10-6], %r1
    mov %r0, 0
    exit
