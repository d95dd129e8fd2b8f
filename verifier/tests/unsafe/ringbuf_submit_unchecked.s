; expect: helper-argument
; map: fd=1 kind=ringbuf key=0 value=0
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    mov %r1, %r0
    mov %r2, 0
    call 132
    mov %r0, 0
    exit
