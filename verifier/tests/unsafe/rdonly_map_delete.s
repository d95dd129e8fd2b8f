; expect: read-only
; map: fd=1 kind=hash key=4 value=8 flags=rdonly_prog
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 3
    mov %r0, 0
    exit
