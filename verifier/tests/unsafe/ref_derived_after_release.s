; expect: type-mismatch
; type: sched_cls
; A bpf_tcp_sock view of the socket is read after the socket's release.
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
    mov %r1, %r0
    call 96
    mov %r8, %r0
    mov %r1, %r7
    call 86
    jeq %r8, 0, out
    ldxw %r0, [%r8+0]
out:
    mov %r0, 0
    exit
