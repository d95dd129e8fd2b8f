; expect: pointer-leak
; type: sched_cls
    stxw [%r1+48], %r1
    mov %r0, 0
    exit
