; expect: pointer-leak
; memcmp of a spilled pointer against chosen bytes orders the address: a search would
; disclose it.
    stxdw [%r10-8], %r10
    mov %r1, 0
    stxdw [%r10-16], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, %r10
    add %r2, -16
    mov %r3, 8
    call memcmp#2130706435
    exit
