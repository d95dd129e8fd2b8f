; type: sched_cls
; map: fd=1 kind=array key=4 value=8 entries=1 flags=rdonly_prog data=256400
; bpf_snprintf with its format in .rodata ("%d") and one u64 argument.
    stdw [%r10-8], 7
    mov %r1, %r10
    add %r1, -24
    mov %r2, 16
    lddw %r3, map_value 1, 0
    mov %r4, %r10
    add %r4, -8
    mov %r5, 8
    call 165
    mov %r0, 0
    exit
