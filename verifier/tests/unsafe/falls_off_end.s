; expect: falls-off-end
    mov %r0, 0
