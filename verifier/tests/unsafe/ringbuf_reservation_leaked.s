; expect: reference-leak
; map: fd=1 kind=ringbuf key=0 value=0
; A reservation that is never submitted or discarded.
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, out
    stdw [%r0+0], 1
out:
    mov %r0, 0
    exit
