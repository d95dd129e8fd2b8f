; expect: out-of-bounds
; The budget ends the loop, but long after the pointer has left the 512-byte stack.
    mov %r0, 0
    mov %r1, %r10
loop:
    may_goto done
    add %r1, -1
    stb [%r1], 0
    ja loop
done:
    exit
