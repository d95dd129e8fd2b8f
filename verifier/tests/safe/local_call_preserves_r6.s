; r6-r9 survive a local call.
    mov %r6, 3
    call local f
    mov %r0, %r6
    exit
f:
    mov %r0, 0
    exit
