; expect: uninit-register
; Found by the soundness property test: data - 1 > data is false, so the read of the
; uninitialised r0 runs. Packet offsets compare as plain (signed) numbers, not as unsigned
; 64-bit values (which made the fall-through look impossible).
    ldxw %r2, [%r1+0]
    mov %r3, %r2
    add %r3, -1
    jgt %r3, %r2, out
    ldxb %r0, [%r0+0]
out:
    mov %r0, 0
    exit
