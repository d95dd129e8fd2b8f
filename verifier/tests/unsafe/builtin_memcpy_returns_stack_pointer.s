; expect: pointer-leak
; memcpy returns its destination: r0 is a stack pointer, and returning it discloses it.
    mov %r1, 0
    stxdw [%r10-16], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, %r10
    add %r2, -16
    mov %r3, 8
    call memcpy#2130706432
    exit
