; memcpy of 14 packet bytes after checking data + 14 <= data_end, then an in-place memmove
; in the packet (the twin of builtin_memcpy_unchecked_packet).
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r6, %r2
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    mov %r1, %r10
    add %r1, -16
    mov %r3, 14
    call memcpy#2130706432
    mov %r1, %r6
    add %r1, 1
    mov %r2, %r6
    mov %r3, 13
    call memmove#2130706433
out:
    mov %r0, 2
    exit
