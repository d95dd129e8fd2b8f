; type: kprobe
; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog
; The twin of unsafe/trace_printk_unknown_format.s: with all three values numbers, any
; format is safe.
    lddw %r1, map_value 1, 0
    mov %r2, 8
    mov %r3, 1
    mov %r4, 0
    mov %r5, 0
    call 6
    mov %r0, 0
    exit
