; map: fd=1 kind=hash key=4 value=16
; As map_value_or_stack_fallback.s, but the pointer is spilled and every register that held
; it is overwritten before it is reloaded (Cilium's NAT code spills its state pointer): the
; paths stay apart through the spilled slot's kinds, not only the registers'.
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
    stxdw [%r10-32], %r0
    mov %r0, 0
    mov %r1, 0
    ldxdw %r2, [%r10-32]
    ldxdw %r0, [%r2+8]
    exit
