; expect: helper-argument
; type: cgroup_sysctl
; bpf_strtol writes 8 bytes of result; only 4 remain above r10 - 4.
    stw [%r10-16], 0x3231
    mov %r1, %r10
    add %r1, -16
    mov %r2, 4
    mov %r3, 0
    mov %r4, %r10
    add %r4, -4
    call 105
    mov %r0, 1
    exit
