; expect: misaligned
; map: fd=1 kind=array key=4 value=16
; An 8-byte atomic add 4 bytes into the value: not naturally aligned (a split lock on x86, a
; fault elsewhere).
    stw [%r10-4], 2
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, 1
    lock add [%r0+4], %r1
out:
    mov %r0, 0
    exit
