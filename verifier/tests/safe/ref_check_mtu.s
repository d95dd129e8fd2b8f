; type: xdp
; The twin of unsafe/ref_check_mtu_uninit.s; also bpf_get_netns_cookie-free XDP helpers.
    mov %r6, %r1
    stw [%r10-4], 0
    mov %r2, 0
    mov %r3, %r10
    add %r3, -4
    mov %r4, 0
    mov %r5, 0
    call 163
    ldxw %r0, [%r10-4]
    mov %r1, %r6
    call 188
    mov %r0, 2
    exit
