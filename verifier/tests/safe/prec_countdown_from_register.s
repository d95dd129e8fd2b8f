; Precision: a loop counting down from a constant held in a register (Linux's loops1
; "bounded loop, count from positive unknown to 4"-like shapes, written anew): 32 rounds.
    mov %r1, 32
    mov %r0, 0
loop:
    add %r0, 3
    sub %r1, 1
    mov %r2, 0
    jsgt %r1, %r2, loop
    exit
