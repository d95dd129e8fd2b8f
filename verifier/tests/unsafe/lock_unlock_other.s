; expect: spin-lock
; Lock the word at offset 0 of a value, unlock the one at offset 8: not the lock held.
; map: fd=1 kind=array key=4 value=16 entries=4
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    mov %r1, %r6
    call 93
    mov %r1, %r6
    add %r1, 8
    call 94
out:
    mov %r0, 2
    exit
