; expect: pointer-comparison
; platform: windows
; eBPF for Windows' xdp context holds real packet pointers: comparing one with a number
; discloses where the packet lies. The twin of safe/windows_xdp.s.
    ldxdw %r2, [%r1+0]
    mov %r0, 1
    jlt %r2, 0x100000, low
    exit
low:
    mov %r0, 2
    exit
