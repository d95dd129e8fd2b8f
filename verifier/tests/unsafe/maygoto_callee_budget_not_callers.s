; expect: unbounded-loop
; The callee's may_goto spends the callee's budget, which every call starts afresh: it does
; not bound the caller's loop (this one never ends).
loop:
    call local f
    jeq %r0, 0, done
    ja loop
done:
    exit
f:
    mov %r0, 1
    may_goto spent
    exit
spent:
    mov %r0, 0
    exit
