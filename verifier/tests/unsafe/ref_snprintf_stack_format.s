; expect: helper-argument
; type: sched_cls
; bpf_snprintf's format must be a constant string in a read-only map, not stack bytes.
    stdw [%r10-8], 0x6425
    mov %r1, %r10
    add %r1, -24
    mov %r2, 16
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    mov %r5, 0
    call 165
    mov %r0, 0
    exit
