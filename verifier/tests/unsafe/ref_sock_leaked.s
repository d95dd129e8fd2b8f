; expect: reference-leak
; type: sched_cls
; A socket from bpf_sk_lookup_tcp is null-checked but never released. Twin of
; safe/ref_sock_lookup_release.s.
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
    ldxw %r7, [%r0+4]
out:
    mov %r0, 0
    exit
