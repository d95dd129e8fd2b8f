; expect: reference-leak
; type: sched_cls
; One lookup instruction runs twice while the first socket is still held (kept in r8): both
; would have one identity, so releasing one would look like releasing both.
    mov %r6, %r1
    mov %r9, 0
    mov %r8, 0
again:
    stdw [%r10-16], 0
    stw [%r10-8], 0
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -16
    mov %r3, 12
    mov %r4, -1
    mov %r5, 0
    call 84
    jeq %r0, 0, next
    mov %r8, %r0
next:
    add %r9, 1
    jlt %r9, 2, again
    jeq %r8, 0, out
    mov %r1, %r8
    call 86
out:
    mov %r0, 0
    exit
