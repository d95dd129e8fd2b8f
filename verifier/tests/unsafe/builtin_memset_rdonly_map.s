; expect: read-only
; map: fd=1 kind=array key=4 value=16 flags=rdonly_prog
; memset into a value of a map read-only for programs (.rodata-like).
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r1, %r0
    mov %r2, 0
    mov %r3, 16
    call memset#2130706434
out:
    mov %r0, 2
    exit
