; type: socket_filter
; map: fd=1 kind=array key=4 value=8 entries=1
; The twin of unsafe/ldabs_in_subprogram_zero_index.s: the caller checks for the 0 the
; callee returns when its load falls outside the packet.
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
    jeq %r0, 0, out
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
