; type: kprobe
; Each path initialises as many bytes as the size it passes with the buffer (Cilium's
; bpf_lxc.o event output has this shape): at the join the sizes 4 and 8 tell the paths apart.
    call 7
    mov %r1, 0x6968
    stxw [%r10-8], %r1
    mov %r2, 4
    jset %r0, 1, out
    stxw [%r10-4], %r1
    mov %r2, 8
out:
    mov %r1, %r10
    add %r1, -8
    mov %r3, 0
    mov %r4, 0
    mov %r5, 0
    call 6
    mov %r0, 0
    exit
