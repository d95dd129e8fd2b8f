; expect: read-only
; map: fd=1 kind=devmap key=4 value=8
; A devmap lookup gives the entry's `struct bpf_devmap_val`, which programs may only read (the
; host uses it to find the device).
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    stw [%r0], 7
out:
    mov %r0, 2
    exit
