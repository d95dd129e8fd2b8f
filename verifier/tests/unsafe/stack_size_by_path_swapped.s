; expect: uninit-stack
; type: kprobe
; As safe/stack_size_by_path.s with the sizes swapped: the path that initialised 4 bytes
; passes 8.
    call 7
    mov %r1, 0x6968
    stxw [%r10-8], %r1
    mov %r2, 8
    jset %r0, 1, out
    stxw [%r10-4], %r1
    mov %r2, 4
out:
    mov %r1, %r10
    add %r1, -8
    mov %r3, 0
    call 6
    mov %r0, 0
    exit
