; map: fd=1 kind=array key=4 value=64 entries=1
; Walks a map value's bytes while the budget lasts; the index check keeps it inside.
    mov %r0, 0
    stw [%r10-4], 0
    mov %r2, %r10
    add %r2, -4
    lddw %r1, map_fd 1
    call 1
    jeq %r0, 0, out
    mov %r6, 0
    mov %r7, 0
loop:
    may_goto done
    jge %r6, 64, done
    mov %r1, %r0
    add %r1, %r6
    ldxb %r2, [%r1]
    add %r7, %r2
    add %r6, 1
    ja loop
done:
    mov %r0, %r7
out:
    exit
