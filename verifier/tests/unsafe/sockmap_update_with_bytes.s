; expect: helper-argument
; type: sock_ops
; map: fd=1 kind=sockmap key=4 value=4
; bpf_map_update_elem on a sockmap takes a socket as the value: four stack bytes are not one.
    mov %r1, 0
    stxw [%r10-4], %r1
    stxw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 2
    mov %r0, 0
    exit
