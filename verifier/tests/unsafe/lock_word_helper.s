; expect: spin-lock
; A value holding the lock passed to a helper that reads it (Linux: "cannot be accessed
; indirectly by helper").
; map: fd=1 kind=hash key=4 value=16 entries=64
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
    mov %r1, %r6
    add %r1, 8
    call 94
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    mov %r3, %r6
    mov %r4, 0
    call 2
out:
    mov %r0, 2
    exit
