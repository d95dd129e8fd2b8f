; expect: helper-argument
; map: fd=1 kind=prog_array key=4 value=4
; map: fd=2 kind=hash key=4 value=4
; One of the possible maps is not a program array.
    ldxw %r6, [%r1+12]
    lddw %r2, map_fd 1
    jeq %r6, 0, call
    lddw %r2, map_fd 2
call:
    mov %r3, 0
    call 12
    mov %r0, 0
    exit
