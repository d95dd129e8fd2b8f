; expect: pointer-leak
; type: sock_ops
; An 8-byte load at 180 reads the high half of bytes_acked and the low half of
; bpf_sock_ops.sk.
    ldxdw %r0, [%r1+180]
    mov %r0, 1
    exit
