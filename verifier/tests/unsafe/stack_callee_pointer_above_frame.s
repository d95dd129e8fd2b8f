; expect: pointer-arithmetic
; A local function moves a copy of its r10 above it, into the caller's frame, which its
; pointers do not reach (the interpreter keeps frames apart).
    call local f
    exit
f:
    mov %r2, %r10
    add %r2, 100
    stdw [%r2-8], 1
    mov %r0, 0
    exit
