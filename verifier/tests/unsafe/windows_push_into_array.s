; expect: helper-argument
; platform: windows
; type: bind
; map: fd=1 kind=array key=4 value=8
; eBPF for Windows' push takes a queue or a stack.
    mov %r1, 0
    stxdw [%r10-8], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    mov %r3, 0
    call 16
    mov %r0, 0
    exit
