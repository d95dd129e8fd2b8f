; map: fd=1 kind=ringbuf key=0 value=0
    lddw %r1, map_fd 1
    mov %r2, 16
    mov %r3, 0
    call 131
    jeq %r0, 0, out
    mov %r1, 5
    stxdw [%r0+8], %r1
    mov %r1, %r0
    mov %r2, 0
    call 132
out:
    mov %r0, 0
    exit
