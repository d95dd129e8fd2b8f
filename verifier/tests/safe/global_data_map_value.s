; map: fd=1 kind=array key=4 value=32
; A direct pointer into a map value (global data), 8 bytes in.
    lddw %r1, map_value 1, 8
    ldxdw %r0, [%r1+16]
    exit
