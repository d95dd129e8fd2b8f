; A budget-bounded outer loop around a counted inner loop of 10 rounds.
    mov %r0, 0
outer:
    may_goto done
    mov %r1, 0
inner:
    add %r0, 1
    add %r1, 1
    jlt %r1, 10, inner
    ja outer
done:
    exit
