; A loop with no exit but may_goto's: the budget (8 Mi fall-throughs) ends it.
    mov %r0, 0
loop:
    may_goto done
    add %r0, 1
    ja loop
done:
    exit
