; platform: windows
; eBPF for Windows' bpf_memset (24) and the memset builtin both initialise their destination;
; 24's result is the destination, readable as a pointer.
    mov %r1, %r10
    add %r1, -8
    mov %r2, 8
    mov %r3, 1
    call 24
    ldxdw %r0, [%r0]
    mov %r1, %r10
    add %r1, -16
    mov %r2, 1
    mov %r3, 8
    call memset#2130706434
    ldxdw %r0, [%r10-16]
    and %r0, 3
    exit
