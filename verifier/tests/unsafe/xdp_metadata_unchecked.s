; expect: out-of-bounds
; type: xdp
; Writes metadata without comparing data_meta + 4 with data.
    ldxw %r3, [%r1+8]
    stw [%r3+0], 42
    mov %r0, 2
    exit
