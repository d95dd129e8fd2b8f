; expect: misaligned
; map: fd=1 kind=array key=4 value=32
; counters[i] of 8 bytes indexed by i * 4: offsets 0, 4, 8, 12 - half of them misaligned.
    stw [%r10-4], 0
    call 7
    mov %r6, %r0
    and %r6, 3
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    lsh %r6, 2
    add %r0, %r6
    mov %r1, 1
    lock add [%r0], %r1
out:
    mov %r0, 0
    exit
