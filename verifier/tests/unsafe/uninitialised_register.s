; expect: uninit-register
    mov %r0, %r3
    exit
