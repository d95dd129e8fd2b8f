; expect: uninit-register
; r1-r5 are clobbered by calls.
    mov %r1, 1
    call local f
    mov %r0, %r1
    exit
f:
    mov %r0, 0
    exit
