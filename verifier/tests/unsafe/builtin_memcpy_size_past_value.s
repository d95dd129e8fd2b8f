; expect: helper-argument
; map: fd=1 kind=array key=4 value=64
; memcpy to the second half of a 64-byte value with a size up to 63 (masked, so bounded):
; 32 + 63 > 64.
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxw %r3, [%r0]
    and %r3, 63
    mov %r1, %r0
    add %r1, 32
    mov %r2, %r0
    call memcpy#2130706432
out:
    mov %r0, 2
    exit
