; expect: uninit-stack
; type: socket_filter
; The callee stores a loaded byte into the caller's stack; when the load falls outside the
; packet, the callee returns 0 without the store (Linux's hidden `r0 = 0; exit`), and the
; caller reads the uninitialised slot. The twin of safe/ldabs_in_subprogram_checked.s.
    mov %r2, %r10
    add %r2, -8
    call local f
    ldxdw %r0, [%r10-8]
    exit
f:
    mov %r6, %r1
    mov %r7, %r2
    ldabsb 20
    stxdw [%r7], %r0
    mov %r0, 1
    exit
