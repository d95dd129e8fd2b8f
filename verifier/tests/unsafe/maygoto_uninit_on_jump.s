; expect: uninit-register
; r2 is set only when may_goto falls through; the jump (a spent budget) reaches its use unset.
    mov %r0, 0
    may_goto skip
    mov %r2, 5
skip:
    add %r0, %r2
    exit
