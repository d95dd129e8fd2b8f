; Both successors of may_goto are followed: r0 is set on each.
    may_goto spent
    mov %r0, 1
    may_goto +0
    exit
spent:
    mov %r0, 2
    exit
