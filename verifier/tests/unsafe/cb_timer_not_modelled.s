; expect: helper-not-modelled
; bpf_timer_set_callback: timers live at BTF-described offsets the verifier does not know.
    mov %r1, 0
    lddw %r2, code_addr cb
    call 170
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
