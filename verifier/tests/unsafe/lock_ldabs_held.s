; expect: spin-lock
; type: socket_filter
; A legacy packet load (which may end the program) while the lock is held.
; map: fd=1 kind=hash key=4 value=16 entries=64
    mov %r7, %r1
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    mov %r1, %r6
    add %r1, 8
    call 93
    mov %r6, %r7
    ldabsb 0
    mov %r6, %r0
out:
    mov %r0, 0
    exit
