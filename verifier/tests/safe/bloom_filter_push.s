; map: fd=1 kind=bloom_filter key=0 value=8
; The twin of unsafe/bloom_filter_peek.s: adding to a bloom filter is a push.
    mov %r1, 0
    stxdw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    mov %r3, 0
    call 87
    mov %r0, 2
    exit
