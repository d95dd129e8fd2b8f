; type: sched_cls
; A sock_common has family and state (twin of unsafe/ref_sock_common_type.s); its
; bpf_sk_fullsock view has type too.
    mov %r6, %r1
    stdw [%r10-16], 0
    stw [%r10-8], 0
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -16
    mov %r3, 12
    mov %r4, -1
    mov %r5, 0
    call 99
    jeq %r0, 0, out
    mov %r7, %r0
    ldxw %r1, [%r0+72]
    mov %r1, %r0
    call 95
    jeq %r0, 0, release
    ldxw %r1, [%r0+8]
release:
    mov %r1, %r7
    call 86
out:
    mov %r0, 0
    exit
