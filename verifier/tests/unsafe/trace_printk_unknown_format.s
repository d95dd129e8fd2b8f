; expect: helper-argument
; type: kprobe
; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog
; The format is in `.rodata`, whose bytes the verifier does not know: every value may be
; printed, and r4 is uninitialised.
    lddw %r1, map_value 1, 0
    mov %r2, 8
    mov %r3, 1
    call 6
    mov %r0, 0
    exit
