; expect: uninit-register
; type: kprobe
; map: fd=1 kind=array key=4 value=16 entries=1 flags=rdonly_prog data=2564202564000a
; The frozen format "%d %d" reads r3 and r4: r4 was never written.
    lddw %r1, map_value 1, 0
    mov %r2, 6
    mov %r3, 1
    call 6
    mov %r0, 0
    exit
