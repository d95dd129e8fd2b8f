; expect: null
; map: fd=1 kind=hash key=4 value=16
; As safe/map_value_or_null_spilled.s without the null check after the reload.
    stw [%r10-4], 2
    mov %r0, 0
    ldxw %r2, [%r1+0]
    jeq %r2, 0, skip
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
skip:
    stxdw [%r10-16], %r0
    ldxdw %r3, [%r10-16]
    ldxdw %r0, [%r3+8]
    exit
