; expect: helper-argument
; map: fd=1 kind=hash key=4 value=8
    lddw %r2, map_fd 1
    mov %r3, 0
    call 12
    mov %r0, 0
    exit
