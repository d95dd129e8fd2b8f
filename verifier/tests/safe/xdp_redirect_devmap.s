; map: fd=1 kind=devmap key=4 value=4
; The twin of unsafe/redirect_map_hash.s.
    lddw %r1, map_fd 1
    mov %r2, 0
    mov %r3, 0
    call 51
    exit
