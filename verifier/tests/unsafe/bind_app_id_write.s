; expect: read-only
; platform: windows
; type: bind
; The app id is read-only.
    ldxdw %r2, [%r1+0]
    ldxdw %r3, [%r1+8]
    mov %r4, %r2
    add %r4, 1
    jgt %r4, %r3, out
    stb [%r2+0], 0
out:
    mov %r0, 0
    exit
