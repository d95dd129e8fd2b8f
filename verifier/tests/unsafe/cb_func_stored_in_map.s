; expect: pointer-leak
; A function address stored into a map value would disclose a code address.
; map: fd=1 kind=array key=4 value=8 entries=1
    stw [%r10-4], 0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    lddw %r1, code_addr cb
    stxdw [%r0+0], %r1
out:
    mov %r0, 2
    exit
cb:
    mov %r0, 0
    exit
