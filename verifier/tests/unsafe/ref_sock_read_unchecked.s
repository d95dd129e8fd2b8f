; expect: null
; type: sched_cls
; A field read before the null check.
    mov %r6, %r1
    stdw [%r10-16], 0
    stw [%r10-8], 0
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -16
    mov %r3, 12
    mov %r4, -1
    mov %r5, 0
    call 84
    ldxw %r7, [%r0+4]
    mov %r1, %r0
    call 86
    mov %r0, 0
    exit
