; expect: helper-not-allowed
    call 26
    mov %r0, 0
    exit
