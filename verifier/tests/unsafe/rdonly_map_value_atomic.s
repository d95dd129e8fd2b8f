; expect: read-only
; map: fd=1 kind=hash key=4 value=8 flags=rdonly_prog
; An atomic add writes the value: not in a map read-only for programs.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, 1
    lock add [%r0], %r1
out:
    mov %r0, 0
    exit
