; expect: out-of-bounds
    call local f
    exit
f:
    stdw [%r10+512], 1
    mov %r0, 0
    exit
