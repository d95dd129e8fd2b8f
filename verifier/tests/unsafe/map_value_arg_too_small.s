; expect: helper-argument
; map: fd=1 kind=hash key=4 value=8
; An 8-byte value read from 4 bytes below the frame top.
    mov %r1, 0
    stxdw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    mov %r3, %r10
    add %r3, -4
    mov %r4, 0
    call 2
    mov %r0, 0
    exit
