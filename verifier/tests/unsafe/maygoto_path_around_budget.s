; expect: unbounded-loop
; One cycle of the loop skips may_goto: the budget does not bound it.
    ldxw %r1, [%r1+0]
    mov %r0, 0
loop:
    jeq %r1, 0, skip
    may_goto done
skip:
    add %r0, 1
    ja loop
done:
    exit
