; map: fd=1 kind=array key=4 value=16
; Looks up entry 2 and increments its counter atomically.
    stw [%r10-4], 2
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, 1
    lock add [%r0+8], %r1
out:
    mov %r0, 0
    exit
