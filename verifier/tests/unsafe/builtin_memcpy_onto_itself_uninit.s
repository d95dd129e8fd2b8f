; expect: uninit-stack
; memcpy(buf, buf, 16) of uninitialised bytes: the source is checked before the write makes
; the destination initialised, so this is a read of uninitialised stack.
    mov %r1, %r10
    add %r1, -16
    mov %r2, %r10
    add %r2, -16
    mov %r3, 16
    call memcpy#2130706432
    mov %r0, 2
    exit
