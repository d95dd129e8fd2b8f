; type: xdp
; A subprogram checks and reads a packet byte through its arguments.
    ldxw %r6, [%r1+0]
    ldxw %r7, [%r1+4]
    mov %r1, %r6
    mov %r2, %r7
    call local read_first
    exit
read_first:
    mov %r3, %r1
    add %r3, 1
    jgt %r3, %r2, none
    ldxb %r0, [%r1+0]
    exit
none:
    mov %r0, 0
    exit
