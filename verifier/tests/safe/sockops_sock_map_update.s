; type: sock_ops
; map: fd=1 kind=sockmap key=4 value=4
; The twin of unsafe/sockmap_update_with_bytes.s: the socket of a sock_ops context goes into
; a sockmap through bpf_sock_map_update.
    mov %r2, 0
    stxw [%r10-4], %r2
    lddw %r2, map_fd 1
    mov %r3, %r10
    add %r3, -4
    mov %r4, 0
    call 53
    mov %r0, 0
    exit
