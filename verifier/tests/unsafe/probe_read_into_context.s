; expect: helper-argument
; type: kprobe
; The destination is the read-only context.
    mov %r3, 0
    mov %r2, 8
    call 4
    mov %r0, 0
    exit
