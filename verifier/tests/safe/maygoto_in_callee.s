; Each call has a budget of its own: a budget-bounded loop in a function called twice.
    mov %r1, 0
    call local spin
    mov %r1, %r0
    call local spin
    exit
spin:
    mov %r0, %r1
again:
    may_goto back
    add %r0, 1
    ja again
back:
    exit
