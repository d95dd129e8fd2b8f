; The twin of unsafe/cb_index_past_buffer.s: bpf_loop(4, ...) gives indexes 0 to 3.
    stw [%r10-4], 0
    mov %r1, 4
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
