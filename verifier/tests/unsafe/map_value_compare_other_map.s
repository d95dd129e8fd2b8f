; expect: pointer-comparison
; map: fd=1 kind=array key=4 value=8 entries=1
; map: fd=2 kind=array key=4 value=8 entries=1
; Pointers into the values of two maps: their order says how the host laid the maps out.
; The twin of safe/map_value_compare_same_value.s.
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    lddw %r1, map_fd 2
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    jgt %r6, %r0, high
    mov %r0, 0
    exit
high:
    mov %r0, 1
    exit
out:
    mov %r0, 0
    exit
