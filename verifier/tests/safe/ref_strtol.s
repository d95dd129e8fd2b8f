; type: cgroup_sysctl
; bpf_strtol writes its 8-byte result (uninitialised before), which is then read.
    stw [%r10-16], 0x3231
    mov %r1, %r10
    add %r1, -16
    mov %r2, 4
    mov %r3, 0
    mov %r4, %r10
    add %r4, -8
    call 105
    ldxdw %r0, [%r10-8]
    mov %r0, 1
    exit
