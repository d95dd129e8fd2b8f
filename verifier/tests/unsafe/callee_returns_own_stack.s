; expect: bad-return
    call local f
    exit
f:
    mov %r0, %r10
    add %r0, -8
    exit
