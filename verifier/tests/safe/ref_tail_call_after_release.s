; type: sched_cls
; map: fd=1 kind=prog_array key=4 value=4 entries=4
; The twin of unsafe/ref_tail_call_with_sock.s: the socket is released first.
    mov %r6, %r1
    stdw [%r10-16], 0
    stw [%r10-8], 0
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -16
    mov %r3, 12
    mov %r4, -1
    mov %r5, 0
    call 84
    jeq %r0, 0, call
    mov %r1, %r0
    call 86
call:
    mov %r1, %r6
    lddw %r2, map_fd 1
    mov %r3, 0
    call 12
    mov %r0, 0
    exit
