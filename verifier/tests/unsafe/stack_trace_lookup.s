; expect: helper-argument
; type: kprobe
; map: fd=1 kind=stack_trace key=4 value=64
; A stack trace map's entries are for bpf_get_stackid and user space: a lookup would give
; the program a pointer it has no business using (Linux refuses the lookup too).
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    mov %r0, 0
    exit
