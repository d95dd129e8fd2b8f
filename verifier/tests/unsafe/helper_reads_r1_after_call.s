; expect: uninit-register
; Helpers clobber r1-r5.
    call 5
    mov %r0, %r1
    exit
