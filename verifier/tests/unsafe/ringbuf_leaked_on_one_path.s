; expect: reference-leak
; map: fd=1 kind=ringbuf key=0 value=0
; Discarded on one path only.
    mov %r6, %r1
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, out
    ldxw %r2, [%r6+12]
    jeq %r2, 0, out
    mov %r1, %r0
    mov %r2, 0
    call 133
out:
    mov %r0, 0
    exit
