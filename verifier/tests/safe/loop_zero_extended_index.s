; A loop over a 32-bit index that clang keeps in a 64-bit register and zero-extends with a
; shift pair before comparing (build/bounded_loop.o of ebpf-samples has this shape): the
; extension equals the index while it is below 2^32, so the exit test bounds the loop.
    mov %r6, 0
    mov %r0, 0
    ja body
next:
    add %r6, 1
    mov %r1, %r6
    lsh %r1, 32
    rsh %r1, 32
    jeq %r1, 1000, out
body:
    add %r0, %r6
    ja next
out:
    mov %r0, 0
    exit
