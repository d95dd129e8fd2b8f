; 32-bit results are zero-extended.
    mov32 %r0, -1
    rsh32 %r0, 28
    exit
