; type: socket_filter
; The twin of unsafe/ldabs_in_subprogram_fails_to_caller.s: the caller reads the slot only
; when the callee returned 1 (it returns 0 when its load fell outside the packet).
    mov %r2, %r10
    add %r2, -8
    call local f
    jeq %r0, 0, out
    ldxdw %r0, [%r10-8]
    exit
out:
    exit
f:
    mov %r6, %r1
    mov %r7, %r2
    ldabsb 20
    stxdw [%r7], %r0
    mov %r0, 1
    exit
