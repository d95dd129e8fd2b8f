; expect: uninit-stack
; map: fd=1 kind=hash key=4 value=8
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r0, 0
    exit
