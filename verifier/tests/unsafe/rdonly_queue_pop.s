; expect: read-only
; map: fd=1 kind=queue key=0 value=8 flags=rdonly_prog
; Popping removes the element: a change of a map read-only for programs.
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 88
    mov %r0, 0
    exit
