; expect: out-of-bounds
; A local function writes at a copy of its own r10: the bytes above it are the caller's.
    call local f
    exit
f:
    mov %r2, %r10
    stdw [%r2+0], 1
    mov %r0, 0
    exit
