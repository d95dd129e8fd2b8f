; expect: uninit-stack
; platform: windows
; type: bind
; map: fd=1 kind=queue key=0 value=8
; eBPF for Windows writes the popped value only when the pop succeeds: on an empty queue the
; buffer keeps its uninitialised bytes, so reading it afterwards is not safe.
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -8
    call 17
    ldxdw %r0, [%r10-8]
    mov %r0, 0
    exit
