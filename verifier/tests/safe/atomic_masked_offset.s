; map: fd=1 kind=array key=4 value=32
; A random offset masked with 0x18 is 0, 8, 16 or 24; times 1 and plus 0 it stays a multiple
; of 8 (the twin of unsafe/atomic_masked_offset_misaligned.s).
    stw [%r10-4], 0
    call 7
    mov %r6, %r0
    and %r6, 0x18
    mul %r6, 1
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
