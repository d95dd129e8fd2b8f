; expect: uninit-stack
; The callback initialises the caller's slot through its context, but bpf_loop may call it
; zero times: the caller's read after the call may see uninitialised bytes.
    mov %r1, 4
    lddw %r2, code_addr cb
    mov %r3, %r10
    add %r3, -8
    mov %r4, 0
    call 181
    ldxdw %r0, [%r10-8]
    and %r0, 1
    exit
cb:
    stdw [%r2+0], 1
    mov %r0, 0
    exit
