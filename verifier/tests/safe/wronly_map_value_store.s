; map: fd=1 kind=array key=4 value=8 flags=wronly_prog
; The twin of unsafe/wronly_map_value_load.s: storing into the value is allowed.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    stdw [%r0], 5
out:
    mov %r0, 0
    exit
