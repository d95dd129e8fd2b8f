; bpf_for_each_map_elem over a hash table: the callback reads the key and the value and adds
; the value to a counter in the caller's stack.
; map: fd=1 kind=hash key=4 value=8 entries=64
    stdw [%r10-8], 0
    lddw %r1, map_fd 1
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 164
    ldxdw %r0, [%r10-8]
    and %r0, 1
    exit
cb:
    ldxw %r5, [%r2+0]
    ldxdw %r1, [%r3+0]
    add %r1, %r5
    ldxdw %r5, [%r4+0]
    add %r5, %r1
    stxdw [%r4+0], %r5
    mov %r0, 0
    exit
