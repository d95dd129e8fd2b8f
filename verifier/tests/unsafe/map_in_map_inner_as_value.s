; expect: type-mismatch
; map: fd=1 kind=array_of_maps key=4 value=4 inner_kind=array inner_key=4 inner_value=8
; After the null check the result is a map, not a value: it cannot be read.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    ldxw %r0, [%r0+0]
    exit
out:
    mov %r0, 0
    exit
