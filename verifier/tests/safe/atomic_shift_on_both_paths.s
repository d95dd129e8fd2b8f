; platform: windows
; The twin of unsafe/atomic_shift_on_one_path.s: shifted by 4 on one path and by 3 on the
; other, the joined offset is a multiple of 8.
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
    jgt %r4, 100, four
    lsh %r1, 3
    ja skip
four:
    lsh %r1, 4
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
