; map: fd=1 kind=array key=4 value=64
; memcpy of 4 to 16 bytes into a stack buffer: its first 4 bytes are initialised for sure
; (the twin of builtin_memcpy_variable_tail_uninit).
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxw %r3, [%r0]
    and %r3, 12
    add %r3, 4
    mov %r2, %r0
    mov %r1, %r10
    add %r1, -32
    call memcpy#2130706432
    ldxw %r0, [%r10-32]
    and %r0, 3
    exit
out:
    mov %r0, 2
    exit
