; expect: uninit-register
; type: kprobe
; The format "%d %d" asks for two values: r4 is read although never written.
    mov %r1, 0x25206425
    stxw [%r10-8], %r1
    mov %r1, 0x64
    stxw [%r10-4], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, 6
    mov %r3, 1
    call 6
    mov %r0, 0
    exit
