; map: fd=1 kind=hash key=4 value=16
; A state pointer is the map's value when the lookup finds one, else a stack copy (Cilium's
; NAT code does this): the register is a map value on one path and a stack pointer on the
; other, and both are read at offset 8.
    stw [%r10-4], 2
    stdw [%r10-16], 0
    stdw [%r10-24], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jne %r0, 0, found
    mov %r0, %r10
    add %r0, -24
found:
    ldxdw %r0, [%r0+8]
    exit
