; expect: helper-argument
; memmove into the context: helpers never take it as memory.
    mov %r6, %r1
    mov %r1, 0
    stxdw [%r10-8], %r1
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -8
    mov %r3, 4
    call memmove#2130706433
    mov %r0, 2
    exit
