; expect: helper-argument
; map: fd=1 kind=prog_array key=4 value=4
    mov %r1, %r10
    lddw %r2, map_fd 1
    mov %r3, 0
    call 12
    mov %r0, 0
    exit
