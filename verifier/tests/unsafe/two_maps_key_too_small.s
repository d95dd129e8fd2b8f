; expect: uninit-stack
; map: fd=1 kind=hash key=8 value=8
; map: fd=2 kind=array key=4 value=8
; The key is initialised for the 4-byte map only.
    ldxw %r6, [%r1+12]
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    jeq %r6, 0, lookup
    lddw %r1, map_fd 2
lookup:
    mov %r2, %r10
    add %r2, -8
    call 1
    mov %r0, 0
    exit
