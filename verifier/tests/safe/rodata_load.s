; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog
; The twin of unsafe/rodata_store.s: reading `.rodata` is what it is for.
    lddw %r1, map_value 1, 8
    ldxdw %r0, [%r1]
    exit
