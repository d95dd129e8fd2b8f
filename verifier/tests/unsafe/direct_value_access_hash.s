; expect: unsupported
; map: fd=1 kind=hash key=4 value=8
; Only arrays give the address of their values to an lddw (global data); a hash map's values
; come and go.
    lddw %r1, map_value 1, 0
    ldxdw %r0, [%r1]
    exit
