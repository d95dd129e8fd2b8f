; expect: pointer-leak
; Half of the data pointer field.
    ldxh %r0, [%r1+0]
    exit
