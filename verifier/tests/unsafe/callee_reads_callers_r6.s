; expect: uninit-register
; r6-r9 are not passed to callees.
    mov %r6, 1
    call local f
    exit
f:
    mov %r0, %r6
    exit
