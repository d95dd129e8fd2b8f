; expect: uninit-stack
; As safe/two_stack_buffers_by_path.s, but the second path points r7 at the first path's
; buffer, which it never filled.
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
    add %r7, -32
join:
    add %r7, %r6
    ldxw %r0, [%r7]
    exit
