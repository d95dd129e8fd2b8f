; expect: spin-lock
; bpf_loop (a helper) called while the lock is held.
; map: fd=1 kind=hash key=4 value=16 entries=64
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    mov %r1, %r6
    add %r1, 8
    call 93
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 181
    mov %r1, %r6
    add %r1, 8
    call 94
out:
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
