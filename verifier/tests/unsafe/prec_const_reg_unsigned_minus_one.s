; expect: type-mismatch
; Known constants compared unsigned: -1 is the largest unsigned number, so `-1 > 1` holds
; (it would not, signed) and the load through a number is checked.
    mov %r1, -1
    mov %r2, 1
    jgt %r1, %r2, bad
    mov %r0, 0
    exit
bad:
    ldxdw %r0, [%r1+0]
    exit
