; expect: out-of-bounds
; The error code of a bounds check is tested the wrong way round: the read happens on
; the path where the check failed.
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
    jeq32 %r5, 0, out
    ldxw %r0, [%r2+0]
    exit
out:
    mov %r0, 0
    exit
