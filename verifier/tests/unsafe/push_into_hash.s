; expect: helper-argument
; map: fd=1 kind=hash key=4 value=8
; bpf_map_push_elem needs a queue, stack or bloom filter.
    mov %r1, 0
    stxdw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    mov %r3, 0
    call 87
    mov %r0, 0
    exit
