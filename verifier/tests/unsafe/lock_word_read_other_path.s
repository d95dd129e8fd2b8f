; expect: spin-lock
; The lock word is read, on a path that never locks: it is the lock of the value all the same.
; map: fd=1 kind=hash key=4 value=16 entries=64
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    ldxdw %r1, [%r6+0]
    jeq %r1, 0, read
    mov %r1, %r6
    add %r1, 8
    call 93
    mov %r1, %r6
    add %r1, 8
    call 94
    ja out
read:
    ldxw %r0, [%r6+8]
out:
    mov %r0, 2
    exit
