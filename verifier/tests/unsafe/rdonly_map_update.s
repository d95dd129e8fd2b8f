; expect: read-only
; map: fd=1 kind=hash key=4 value=8 flags=rdonly_prog
; A map read-only for programs may not be changed by bpf_map_update_elem either.
    mov %r1, 0
    stxw [%r10-4], %r1
    stxdw [%r10-16], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    mov %r3, %r10
    add %r3, -16
    mov %r4, 0
    call 2
    mov %r0, 0
    exit
