; expect: out-of-bounds
    ldxw %r2, [%r1+12]
    and %r2, 4
    add %r1, %r2
    ldxw %r0, [%r1+0]
    exit
