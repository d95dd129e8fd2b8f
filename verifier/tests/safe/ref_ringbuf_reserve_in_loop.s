; map: fd=1 kind=ringbuf key=0 value=0 entries=4096
; The twin of unsafe/ref_ringbuf_reserve_in_loop.s: each iteration submits its reservation.
    mov %r9, 0
again:
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, next
    mov %r1, %r0
    mov %r2, 0
    call 132
next:
    add %r9, 1
    jlt %r9, 2, again
    mov %r0, 0
    exit
