; expect: helper-not-modelled
; type: kprobe
; bpf_d_path takes a BTF-typed struct path: rejected with the reason, not as unknown.
    mov %r2, %r10
    add %r2, -8
    mov %r3, 8
    call 147
    mov %r0, 0
    exit
