; type: sched_cls
    ldxw %r2, [%r1+76]
    ldxw %r3, [%r1+80]
    mov %r4, %r2
    add %r4, 14
    jgt %r4, %r3, out
    ldxh %r0, [%r2+12]
    be16 %r0
    exit
out:
    mov %r0, 0
    exit
