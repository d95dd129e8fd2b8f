; expect: unbounded-loop
; The jump of may_goto (taken once the budget is spent) leads back into the loop: from then
; on nothing ends it.
    mov %r0, 0
loop:
    may_goto loop
    ja loop
