; type: xdp
; The bounds check sets an error code that a later branch tests (as Cilium's
; ctx_load_bytes inlines): the read happens only on the path where the check passed.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 4
    jgt %r4, %r3, fail
    mov %r5, 0
    ja join
fail:
    mov %r5, -22
join:
    lsh %r5, 32
    mov %r1, %r5
    rsh %r1, 32
    jne %r1, 0, out
    ldxw %r0, [%r2+0]
    exit
out:
    mov %r0, 0
    exit
