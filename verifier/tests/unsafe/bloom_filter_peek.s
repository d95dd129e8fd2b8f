; expect: helper-argument
; map: fd=1 kind=bloom_filter key=0 value=8
; Peek on a bloom filter tests the buffer instead of filling it: bpf_map_peek_elem is offered
; for queues and stacks only.
    mov %r1, 0
    stxdw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 89
    mov %r0, 2
    exit
