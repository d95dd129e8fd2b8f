; expect: read-only
; type: sched_cls
    mov %r2, 0
    stxw [%r1+0], %r2
    mov %r0, 0
    exit
