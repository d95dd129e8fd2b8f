; expect: helper-argument
; type: sched_cls
; The listener from bpf_get_listener_sock is another socket holding no reference: releasing
; it instead of the socket it was found from is refused. Twin of safe/ref_listener_read.s.
    mov %r6, %r1
    stdw [%r10-16], 0
    stw [%r10-8], 0
    mov %r1, %r6
    mov %r2, %r10
    add %r2, -16
    mov %r3, 12
    mov %r4, -1
    mov %r5, 0
    call 84
    jeq %r0, 0, out
    mov %r7, %r0
    mov %r1, %r0
    call 98
    jeq %r0, 0, release
    mov %r1, %r0
    call 86
    mov %r0, 0
    exit
release:
    mov %r1, %r7
    call 86
out:
    mov %r0, 0
    exit
