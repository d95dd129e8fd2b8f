; expect: type-mismatch
; bpf_xdp_adjust_head invalidates packet pointers.
    mov %r6, %r1
    ldxw %r2, [%r1+0]
    ldxw %r3, [%r1+4]
    mov %r4, %r2
    add %r4, 4
    jgt %r4, %r3, out
    mov %r1, %r6
    mov %r7, %r2
    mov %r2, 0
    call 44
    ldxw %r0, [%r7+0]
    exit
out:
    mov %r0, 0
    exit
