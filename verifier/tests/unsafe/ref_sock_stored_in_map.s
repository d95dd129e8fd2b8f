; expect: pointer-leak
; type: sched_cls
; map: fd=1 kind=array key=4 value=8 entries=1
; A socket pointer stored into a map value (then released).
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
    jeq %r0, 0, out
    mov %r7, %r0
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, release
    stxdw [%r0+0], %r7
release:
    mov %r1, %r7
    call 86
out:
    mov %r0, 0
    exit
