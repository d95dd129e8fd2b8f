; type: kprobe
; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog data=782025640a00
; The format "x %d\n" is in a frozen `.rodata` (libbpf's bpf_printk): the verifier reads its
; bytes, so only r3 is printed and r4, r5 may stay unset (the twin of
; unsafe/trace_printk_rodata_format_two_values.s).
    lddw %r1, map_value 1, 0
    mov %r2, 6
    mov %r3, 1
    call 6
    mov %r0, 0
    exit
