; Each path fills its own stack buffer and points r7 into it (build/twostackvars.o of
; ebpf-samples has this shape): at the join neither buffer is initialised on every path, but
; r7's offsets tell the paths apart, so they are analysed separately.
    call 7
    mov %r6, %r0
    and %r6, 3
    lsh %r6, 2
    jset %r0, 256, second
    stdw [%r10-32], 1
    stdw [%r10-24], 2
    mov %r7, %r10
    add %r7, -32
    ja join
second:
    stdw [%r10-16], 3
    stdw [%r10-8], 4
    mov %r7, %r10
    add %r7, -16
join:
    add %r7, %r6
    ldxw %r0, [%r7]
    exit
