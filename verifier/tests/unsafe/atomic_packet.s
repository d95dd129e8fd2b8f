; expect: misaligned
; type: sched_cls
; An atomic on packet data: the packet's start has no known alignment (and Linux refuses
; atomics on packets).
    ldxw %r2, [%r1+76]
    ldxw %r3, [%r1+80]
    mov %r4, %r2
    add %r4, 8
    jgt %r4, %r3, out
    mov %r5, 1
    lock add [%r2], %r5
out:
    mov %r0, 0
    exit
