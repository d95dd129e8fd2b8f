; expect: read-only
; type: sched_cls
; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog
; bpf_skb_load_bytes writes its buffer: `.rodata` may not be that buffer.
    lddw %r3, map_value 1, 0
    mov %r2, 0
    mov %r4, 8
    call 26
    mov %r0, 0
    exit
