; expect: run-too-long
; Both loops are bounded (65,526 and 1,024 iterations), but together they run about 268
; million instructions, above the default limit of 1,000,000 (found by the verifier_soundness
; fuzzer).
    mov %r0, 0
    mov %r1, 0
outer:
    mov %r2, 0
inner:
    add %r0, 1
    add %r2, 1
    jlt %r2, 65526, inner
    add %r1, 1
    jlt %r1, 1024, outer
    exit
