; expect: out-of-bounds
; map: fd=1 kind=array key=4 value=32
; 8 bytes at 8 + 24 = 32 end past the 32-byte value.
    lddw %r1, map_value 1, 8
    ldxdw %r0, [%r1+24]
    exit
