; expect: reference-leak
; map: fd=1 kind=ringbuf key=0 value=0 entries=4096
; map: fd=2 kind=prog_array key=4 value=4 entries=4
; A tail call with a ring buffer reservation held.
    mov %r6, %r1
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, out
    mov %r7, %r0
    mov %r1, %r6
    lddw %r2, map_fd 2
    mov %r3, 0
    call 12
    mov %r1, %r7
    mov %r2, 0
    call 133
out:
    mov %r0, 0
    exit
