; memset initialises uninitialised stack bytes, which may then be read.
    mov %r1, %r10
    add %r1, -16
    mov %r2, 0
    mov %r3, 16
    call memset#2130706434
    ldxdw %r0, [%r10-8]
    and %r0, 3
    exit
