; expect: read-only
; The key a bpf_for_each_map_elem callback gets is the map's: it may be read, not written.
; map: fd=1 kind=hash key=4 value=8 entries=64
    lddw %r1, map_fd 1
    lddw %r2, code_addr cb
    mov %r3, 0
    mov %r4, 0
    call 164
    mov %r0, 2
    exit
cb:
    stw [%r2+0], 1
    mov %r0, 0
    exit
