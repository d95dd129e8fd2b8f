; expect: helper-argument
; type: kprobe
; map: fd=1 kind=hash key=4 value=64
; bpf_get_stackid stores the stack into a stack trace map; a hash map is not one.
    lddw %r2, map_fd 1
    mov %r3, 0
    call 27
    mov %r0, 0
    exit
