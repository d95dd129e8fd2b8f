; type: kprobe
; The twin of unsafe/trace_printk_value_uninit.s: the format "%d %%" asks for one value (a
; `%%` prints a percent sign), so r4 and r5 are never read.
    mov %r1, 0x25206425
    stxw [%r10-8], %r1
    mov %r1, 0x25
    stxw [%r10-4], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, 6
    mov %r3, 1
    call 6
    mov %r0, 0
    exit
