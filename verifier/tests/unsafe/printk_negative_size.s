; type: kprobe
; expect: helper-argument
; bpf_trace_printk with a negative format size (found by the soundness fuzzer: the format
; reader took the size before the size check refused it, and panicked on the reversed range).
    mov %r2, 0
    stxdw [%r10-8], %r2
    mov %r1, %r10
    add %r1, -8
    mov %r2, -1493172208
    mov %r3, 0
    mov %r4, 0
    mov %r5, 0
    call 6
    mov %r0, 0
    exit
