; expect: read-only
; type: lsm
; An LSM program's arguments are read-only. The twin of safe/fentry_arg_probe_read.s.
    stdw [%r1+0], 0
    mov %r0, 0
    exit
