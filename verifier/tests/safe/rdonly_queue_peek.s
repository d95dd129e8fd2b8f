; map: fd=1 kind=queue key=0 value=8 flags=rdonly_prog
; The twin of unsafe/rdonly_queue_pop.s: peeking changes nothing.
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 89
    ldxdw %r0, [%r10-8]
    mov %r0, 0
    exit
