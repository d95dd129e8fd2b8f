; expect: write-only
; map: fd=1 kind=array key=4 value=8 flags=wronly_prog
; map: fd=2 kind=hash key=8 value=8
; A value of a write-only map used as another map's key would be read by the helper.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r2, %r0
    lddw %r1, map_fd 2
    call 1
out:
    mov %r0, 0
    exit
