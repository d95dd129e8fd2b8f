; expect: out-of-bounds
; type: socket_filter
; map: fd=1 kind=array key=4 value=8 entries=1
; The callee returns a byte index in [1, 8] when its load succeeds, and 0 when it falls
; outside the packet; the caller reads value[index - 1], which is value[-1] then.
; The twin of safe/ldabs_in_subprogram_zero_checked.s.
    mov %r6, %r1
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r7, %r0
    mov %r1, %r6
    call local f
    add %r0, -1
    add %r7, %r0
    ldxb %r0, [%r7]
    exit
out:
    exit
f:
    mov %r6, %r1
    ldabsb 20
    and %r0, 7
    add %r0, 1
    exit
