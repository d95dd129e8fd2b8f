; type: sched_cls
; The twin of unsafe/ref_error_return_leaks_sock.s: the error path releases too.
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
    jeq %r0, 0, out
    mov %r7, %r0
    ldxw %r1, [%r0+72]
    mov %r1, %r7
    call 86
    jeq %r0, 1, out
    mov %r0, -1
    exit
out:
    mov %r0, 0
    exit
