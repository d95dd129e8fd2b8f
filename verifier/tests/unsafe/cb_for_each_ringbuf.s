; expect: helper-argument
; ring buffers have no elements to walk: bpf_for_each_map_elem takes hash tables and arrays.
; map: fd=1 kind=ringbuf key=0 value=0 entries=4096
    lddw %r1, map_fd 1
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 164
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
