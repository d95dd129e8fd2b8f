; map: fd=1 kind=hash key=4 value=8 flags=rdonly_prog
; The twin of unsafe/rdonly_map_update.s and unsafe/rdonly_map_value_atomic.s: a lookup
; and a read.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r0, [%r0]
out:
    mov %r0, 0
    exit
