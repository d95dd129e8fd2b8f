; expect: out-of-bounds
    ldxw %r0, [%r1+24]
    exit
