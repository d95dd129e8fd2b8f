; Precision: a result tied to a test two joins earlier. r0 is 0 only when x == 7 and y >= 0,
; and exactly then the stack is written; the read under `r0 == 0` is of written bytes. The
; paths must stay apart at the first join, where r0 and x are tied, although the test of x
; comes after a second join (build/correlated_branch2.o of ebpf-samples has this shape).
    call 5
    mov %r6, %r0
    call 7
    mov %r2, %r0
    mov %r0, 0
    jeq %r2, 7, j1
    mov %r0, -2
j1:
    jsgt %r6, -1, j2
    mov %r0, -1
j2:
    jslt %r6, 0, skip
    jne %r2, 7, skip
    stdw [%r10-8], 1
skip:
    jne %r0, 0, out
    ldxdw %r0, [%r10-8]
    exit
out:
    mov %r0, 0
    exit
