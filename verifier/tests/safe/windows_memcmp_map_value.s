; platform: windows
; type: bind
; map: fd=1 kind=array key=4 value=16
; bpf_memcmp (23) of a null-checked map value with a stack buffer; a zero size is allowed.
    mov %r2, 0
    stxw [%r10-4], %r2
    stxdw [%r10-16], %r2
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    mov %r1, %r6
    mov %r2, 16
    mov %r3, %r10
    add %r3, -16
    mov %r4, 8
    call 23
    mov %r1, %r6
    mov %r2, 0
    mov %r3, %r10
    add %r3, -16
    mov %r4, 0
    call 23
out:
    mov %r0, 0
    exit
