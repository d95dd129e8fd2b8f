; map: fd=1 kind=devmap key=4 value=8
; The twin of unsafe/devmap_value_write.s: reading the entry's ifindex is allowed.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxw %r0, [%r0]
    mov %r0, 2
out:
    exit
