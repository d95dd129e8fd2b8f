; expect: out-of-bounds
; A local function writes at its own r10 + 0: the bytes above a frame's r10 are the caller's
; frame, which the callee's r10 does not reach (found by the soundness fuzzer: the verifier
; took it for a write of the caller's bottom bytes, the interpreter faults).
    call local f
    exit
f:
    stdw [%r10+0], 1
    mov %r0, 0
    exit
