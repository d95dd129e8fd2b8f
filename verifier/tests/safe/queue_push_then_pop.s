; map: fd=1 kind=queue key=0 value=8
; The twin of unsafe/push_into_hash.s. Linux's pop writes the whole value whatever the result
; (zeros when the queue is empty), so the buffer may be read without initialising it first.
    mov %r1, 7
    stxdw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    mov %r3, 0
    call 87
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -16
    call 88
    ldxdw %r0, [%r10-16]
    mov %r0, 2
    exit
