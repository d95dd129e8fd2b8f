; expect: out-of-bounds
; platform: windows
; type: xdp
    ldxw %r0, [%r1+28]
    exit
