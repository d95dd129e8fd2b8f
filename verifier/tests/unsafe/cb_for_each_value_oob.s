; expect: out-of-bounds
; The callback writes past the end of the 8-byte value.
; map: fd=1 kind=array key=4 value=8 entries=64
    lddw %r1, map_fd 1
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 164
    mov %r0, 2
    exit
cb:
    stdw [%r3+8], 1
    mov %r0, 0
    exit
