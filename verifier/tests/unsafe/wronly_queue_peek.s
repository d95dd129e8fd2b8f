; expect: write-only
; map: fd=1 kind=queue key=0 value=8 flags=wronly_prog
; Peeking copies a value of a write-only map out to the program.
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 89
    mov %r0, 0
    exit
