; type: xdp
; Writes 4 bytes of metadata after proving data_meta + 4 <= data.
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+8]
    mov %r4, %r3
    add %r4, 4
    jgt %r4, %r2, out
    stw [%r3+0], 42
out:
    mov %r0, 2
    exit
