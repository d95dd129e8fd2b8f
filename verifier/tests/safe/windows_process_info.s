; platform: windows
; type: sockops
; The context-taking helpers 20, 21 and 26 get the context at offset 0; 30, 31, 33 and 34
; take nothing. All return numbers.
    mov %r6, %r1
    call 20
    mov %r7, %r0
    mov %r1, %r6
    call 21
    add %r7, %r0
    mov %r1, %r6
    call 26
    add %r7, %r0
    call 30
    add %r7, %r0
    call 31
    add %r7, %r0
    call 33
    add %r7, %r0
    call 34
    add %r7, %r0
    mov %r0, %r7
    exit
