; expect: ambiguous-context-load
; One load reads xdp_md.data (a 32-bit pointer field, rewritten into an 8-byte load of the
; host's pointer) on one path and a stack slot on the other: no one rewrite serves both.
    ldxw %r4, [%r1+12]
    stdw [%r10-8], 0
    mov %r2, %r1
    jeq %r4, 0, load
    mov %r2, %r10
    add %r2, -8
load:
    ldxw %r3, [%r2+0]
    mov %r0, 2
    exit
