; type: sched_cls
; The twin of unsafe/ref_ldabs_failure_leaks_sock.s: the load comes after the release.
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
    jeq %r0, 0, load
    mov %r1, %r0
    call 86
load:
    ldabsb 20
    mov %r0, 0
    exit
