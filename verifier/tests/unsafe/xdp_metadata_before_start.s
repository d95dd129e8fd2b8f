; expect: out-of-bounds
; type: xdp
; Reads the byte before the metadata.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+8]
    mov %r4, %r3
    add %r4, 4
    jgt %r4, %r2, out
    ldxb %r0, [%r3-1]
    exit
out:
    mov %r0, 2
    exit
