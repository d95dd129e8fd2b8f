; expect: helper-argument
; map: fd=1 kind=queue key=0 value=8
; A queue has no keys: programs use push, pop and peek, never a lookup.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r0, 2
    exit
