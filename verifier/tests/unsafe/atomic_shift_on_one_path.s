; expect: misaligned
; platform: windows
; The offset is shifted left by 3 on one path only: after the paths join (ten instructions
; later, out of reach of path-sensitivity) it is not known to be a multiple of 8.
    mov %r6, %r1
    stdw [%r10-64], 0
    stdw [%r10-56], 0
    stdw [%r10-48], 0
    stdw [%r10-40], 0
    stdw [%r10-32], 0
    stdw [%r10-24], 0
    stdw [%r10-16], 0
    stdw [%r10-8], 0
    ldxb %r1, [%r6+24]
    ldxb %r4, [%r6+25]
    and %r1, 63
    jgt %r4, 100, skip
    lsh %r1, 3
skip:
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    mov %r3, 0
    jgt %r1, 56, out
    mov %r2, %r10
    add %r2, -64
    add %r2, %r1
    mov %r3, 1
    lock add [%r2], %r3
out:
    mov %r0, %r1
    exit
