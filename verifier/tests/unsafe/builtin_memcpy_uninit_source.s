; expect: uninit-stack
; memcpy from stack bytes never written: the copy would disclose old stack contents.
    mov %r1, 0
    stxdw [%r10-8], %r1
    mov %r1, %r10
    add %r1, -8
    mov %r2, %r10
    add %r2, -16
    mov %r3, 8
    call memcpy#2130706432
    ldxdw %r0, [%r10-8]
    mov %r0, 2
    exit
