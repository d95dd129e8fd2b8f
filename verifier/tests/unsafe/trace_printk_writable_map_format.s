; expect: helper-argument
; type: kprobe
; map: fd=1 kind=array key=4 value=16 entries=1 data=782025640a00
; The same bytes in a map programs may write (`.data`): the format may have changed by the
; time of the call, so every value must be initialised.
    lddw %r1, map_value 1, 0
    mov %r2, 6
    mov %r3, 1
    call 6
    mov %r0, 0
    exit
