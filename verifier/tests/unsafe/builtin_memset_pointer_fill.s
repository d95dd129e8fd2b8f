; expect: helper-argument
; memset's fill byte is r10's low byte: the stack would then hold bits of its own address.
    mov %r1, %r10
    add %r1, -8
    mov %r2, %r10
    mov %r3, 8
    call memset#2130706434
    ldxdw %r0, [%r10-8]
    exit
