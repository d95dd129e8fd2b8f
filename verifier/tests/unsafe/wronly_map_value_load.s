; expect: write-only
; map: fd=1 kind=array key=4 value=8 flags=wronly_prog
; BPF_F_WRONLY_PROG: programs fill the values for user space, and may not read them.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxdw %r0, [%r0]
out:
    mov %r0, 0
    exit
