; expect: helper-argument
; type: kprobe
; Printing "%d" of a stack pointer would disclose its address.
    mov %r1, 0x6425
    stxw [%r10-4], %r1
    mov %r1, %r10
    add %r1, -4
    mov %r2, 3
    mov %r3, %r10
    call 6
    mov %r0, 0
    exit
