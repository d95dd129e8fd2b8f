; expect: recursion
    call local f
    exit
f:
    call local f
    mov %r0, 0
    exit
