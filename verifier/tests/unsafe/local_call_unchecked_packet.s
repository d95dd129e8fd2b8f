; expect: out-of-bounds
; type: xdp
; The subprogram reads through its packet argument without a check.
    ldxw %r6, [%r1+0]
    mov %r1, %r6
    call local read_first
    exit
read_first:
    ldxb %r0, [%r1+0]
    exit
