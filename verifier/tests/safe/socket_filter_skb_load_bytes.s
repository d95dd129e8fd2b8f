; type: socket_filter
; bpf_skb_load_bytes fills the stack buffer it is given.
    mov %r2, 12
    mov %r3, %r10
    add %r3, -4
    mov %r4, 4
    call 26
    ldxw %r0, [%r10-4]
    exit
