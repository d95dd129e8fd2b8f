; type: sched_cls
; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog
; The twin of unsafe/rodata_as_helper_output.s: bpf_skb_store_bytes only reads its buffer.
    lddw %r3, map_value 1, 0
    mov %r2, 0
    mov %r4, 8
    mov %r5, 0
    call 9
    mov %r0, 0
    exit
