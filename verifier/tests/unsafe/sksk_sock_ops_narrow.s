; expect: pointer-leak
; type: sock_ops
; The twin of safe/sksk_sock_ops_state.s reading the low half of bpf_sock_ops.sk as a number.
    ldxw %r0, [%r1+184]
    mov %r0, 1
    exit
