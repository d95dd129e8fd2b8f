; expect: read-only
; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog
; `.rodata` (the loader marks it BPF_F_RDONLY_PROG): programs read its constants and may not
; change them.
    lddw %r1, map_value 1, 8
    stdw [%r1], 0
    mov %r0, 0
    exit
