; The twin of unsafe/lock_maybe_held_exit.s: each path releases the lock.
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
    ldxdw %r1, [%r6+0]
    jeq %r1, 0, zero
    stdw [%r6+0], 0
    mov %r1, %r6
    add %r1, 8
    call 94
    ja out
zero:
    stdw [%r6+0], 1
    mov %r1, %r6
    add %r1, 8
    call 94
out:
    mov %r0, 2
    exit
