; type: sched_cls
; The twin of unsafe/ref_sock_lookup_in_loop.s: each iteration releases its socket.
    mov %r6, %r1
    mov %r9, 0
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
    mov %r1, %r0
    call 86
next:
    add %r9, 1
    jlt %r9, 2, again
    mov %r0, 0
    exit
