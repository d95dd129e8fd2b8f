; map: fd=1 kind=array key=4 value=64
; Precision: a bound proved on one register holds for the copy made before the check (as
; Linux's scalar ids do; here the zone's equality), and for a copy offset by a constant.
    call 7
    mov %r6, %r0
    mov %r7, %r6
    mov %r8, %r6
    add %r8, 4
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    jgt %r6, 56, out
    mov %r1, %r0
    add %r1, %r7
    ldxw %r2, [%r1+0]
    add %r0, %r8
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
