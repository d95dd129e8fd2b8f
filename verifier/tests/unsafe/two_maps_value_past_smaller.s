; expect: out-of-bounds
; map: fd=1 kind=hash key=4 value=16
; map: fd=2 kind=array key=4 value=8
; The 16-byte value's second half does not exist in the 8-byte map.
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
    ldxdw %r0, [%r0+8]
    exit
out:
    mov %r0, 0
    exit
