; expect: read-only
; map: fd=1 kind=array key=4 value=8 flags=rdonly_prog
; map: fd=2 kind=array key=4 value=8
; A pointer that may be into either map, after the paths join, is read-only: on one path it
; is.
    call 7
    mov %r6, %r0
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    jeq %r6, 0, lookup
    lddw %r1, map_fd 2
lookup:
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    stdw [%r0], 1
out:
    mov %r0, 0
    exit
