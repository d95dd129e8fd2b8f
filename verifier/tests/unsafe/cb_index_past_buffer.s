; expect: out-of-bounds
; bpf_loop(5, cb, buf): the callback writes buf[index] for an index up to 4 into a 4-byte
; buffer.
    stw [%r10-4], 0
    mov %r1, 5
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -4
    mov %r4, 0
    call 181
    mov %r0, 2
    exit
cb:
    add %r2, %r1
    stb [%r2+0], 1
    mov %r0, 0
    exit
