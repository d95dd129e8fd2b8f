; expect: reference-leak
; map: fd=1 kind=ringbuf key=0 value=0 entries=4096
; One reservation instruction runs twice while the first reservation is held in r8.
    mov %r9, 0
    mov %r8, 0
again:
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, next
    mov %r8, %r0
next:
    add %r9, 1
    jlt %r9, 2, again
    jeq %r8, 0, out
    mov %r1, %r8
    mov %r2, 0
    call 132
out:
    mov %r0, 0
    exit
