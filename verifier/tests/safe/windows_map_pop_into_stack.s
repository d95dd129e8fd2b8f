; platform: windows
; type: bind
; map: fd=1 kind=hash key=0 value=8
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 17
    ldxdw %r0, [%r10-8]
    mov %r0, 0
    exit
