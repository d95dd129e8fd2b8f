; expect: uninit-register
; map: fd=1 kind=hash key=4 value=4
; The flags argument r4 is never set.
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    stw [%r10-4], 0
    mov %r3, %r10
    add %r3, -4
    stw [%r10-8], 0
    call 2
    mov %r0, 0
    exit
