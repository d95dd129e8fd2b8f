; expect: helper-argument
; memcpy of 14 packet bytes without comparing data + 14 with data_end.
    ldxw %r2, [%r1+0]
    mov %r1, %r10
    add %r1, -16
    mov %r3, 14
    call memcpy#2130706432
    mov %r0, 2
    exit
