; map: fd=1 kind=array key=4 value=64
; Precision: a 32-bit copy of a number below 2^32 equals it, so a bound proved on the
; original holds for the copy (Linux's reg_equal "w reg equal if r reg upper32 bits 0").
    call 7
    mov %r6, %r0
    mov32 %r7, %r6
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    jgt %r6, 60, out
    add %r0, %r7
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
