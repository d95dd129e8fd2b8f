; expect: unbounded-loop
; The twin of safe/prec_loop_bound_in_register.s whose bound register holds an unknown
; 64-bit number (the time): nothing bounds the rounds.
    call 5
    mov %r8, %r0
    mov %r6, 0
loop:
    add %r6, 1
    jlt %r6, %r8, loop
    mov %r0, 0
    exit
