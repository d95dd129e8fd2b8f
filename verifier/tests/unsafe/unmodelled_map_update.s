; expect: helper-argument
; map: fd=1 kind=other key=4 value=8
; A map type the verifier does not model (here any number the platform does not describe) is
; refused where a map with plain values is needed.
    mov %r1, 0
    stxw [%r10-4], %r1
    stxdw [%r10-16], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    mov %r3, %r10
    add %r3, -16
    mov %r4, 0
    call 2
    mov %r0, 2
    exit
