; map: fd=1 kind=hash key=4 value=16
; map: fd=2 kind=array key=4 value=8
; One of two maps chosen at run time: the key covers the larger key, the value access the
; smaller value.
    ldxw %r6, [%r1+12]
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    jeq %r6, 0, lookup
    lddw %r1, map_fd 2
lookup:
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
