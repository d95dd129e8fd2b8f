; expect: uninit-stack
; Each call of the callback gets a new frame: what the first call stored in its own stack is
; gone in the second (here the callback reads its slot before writing it).
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    ldxdw %r0, [%r10-8]
    stdw [%r10-8], 0
    and %r0, 1
    exit
