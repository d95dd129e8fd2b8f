; expect: misaligned
; map: fd=1 kind=array key=4 value=40
; A random offset masked with 0x1c is a multiple of 4 in [0, 28]: an 8-byte atomic there may
; be misaligned.
    stw [%r10-4], 0
    call 7
    mov %r6, %r0
    and %r6, 0x1c
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    add %r0, %r6
    mov %r1, 1
    lock add [%r0], %r1
out:
    mov %r0, 0
    exit
