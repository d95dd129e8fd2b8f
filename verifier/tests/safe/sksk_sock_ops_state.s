; type: sock_ops
; bpf_sock_ops.sk (at 184) is a full socket or null: null-checked, its type and state are
; readable.
    ldxdw %r2, [%r1+184]
    jeq %r2, 0, out
    ldxw %r3, [%r2+8]
    ldxw %r4, [%r2+72]
out:
    mov %r0, 1
    exit
