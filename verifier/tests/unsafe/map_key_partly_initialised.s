; expect: uninit-stack
; map: fd=1 kind=hash key=8 value=8
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 1
    mov %r0, 0
    exit
