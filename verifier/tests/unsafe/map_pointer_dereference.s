; expect: type-mismatch
; map: fd=1 kind=hash key=4 value=8
    lddw %r1, map_fd 1
    ldxdw %r0, [%r1+0]
    exit
