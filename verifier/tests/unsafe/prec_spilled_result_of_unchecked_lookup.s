; expect: null
; type: xdp
; map: fd=1 kind=hash key=4 value=64
; map: fd=2 kind=prog_array key=4 value=4 entries=16
; The twin of safe/prec_checks_survive_tail_call_sections.s that spills the lookup's result
; before its null check and fills it after a second lookup's check: the spilled copy is of
; the first result, which the second check says nothing about.
    mov %r9, %r1
    mov %r1, 0
    stxw [%r10-4], %r1
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    stxdw [%r10-24], %r0
    lddw %r1, map_fd 1
    mov %r2, %r10
    add %r2, -4
    call 1
    jeq %r0, 0, out
    mov %r6, %r0
    stxdw [%r10-16], %r0
    call 7
    jgt %r0, 60, out
    mov %r7, %r0
; section 0: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 0
    call 12
    call 7
    jeq %r0, 0, skip0
    ldxw %r1, [%r6+0]
    add %r1, 0
    stxw [%r6+0], %r1
    ja next0
skip0:
    stw [%r6+0], 0
next0:
; section 1: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 1
    call 12
    call 7
    jeq %r0, 0, skip1
    ldxw %r1, [%r6+4]
    add %r1, 1
    stxw [%r6+4], %r1
    ja next1
skip1:
    stw [%r6+4], 0
next1:
; section 2: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 2
    call 12
    call 7
    jeq %r0, 0, skip2
    ldxw %r1, [%r6+8]
    add %r1, 2
    stxw [%r6+8], %r1
    ja next2
skip2:
    stw [%r6+8], 0
next2:
; section 3: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 3
    call 12
    call 7
    jeq %r0, 0, skip3
    ldxw %r1, [%r6+12]
    add %r1, 3
    stxw [%r6+12], %r1
    ja next3
skip3:
    stw [%r6+12], 0
next3:
; section 4: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 4
    call 12
    call 7
    jeq %r0, 0, skip4
    ldxw %r1, [%r6+16]
    add %r1, 4
    stxw [%r6+16], %r1
    ja next4
skip4:
    stw [%r6+16], 0
next4:
; section 5: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 5
    call 12
    call 7
    jeq %r0, 0, skip5
    ldxw %r1, [%r6+20]
    add %r1, 5
    stxw [%r6+20], %r1
    ja next5
skip5:
    stw [%r6+20], 0
next5:
; section 6: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 6
    call 12
    call 7
    jeq %r0, 0, skip6
    ldxw %r1, [%r6+24]
    add %r1, 6
    stxw [%r6+24], %r1
    ja next6
skip6:
    stw [%r6+24], 0
next6:
; section 7: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 7
    call 12
    call 7
    jeq %r0, 0, skip7
    ldxw %r1, [%r6+28]
    add %r1, 7
    stxw [%r6+28], %r1
    ja next7
skip7:
    stw [%r6+28], 0
next7:
; section 8: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 8
    call 12
    call 7
    jeq %r0, 0, skip8
    ldxw %r1, [%r6+32]
    add %r1, 8
    stxw [%r6+32], %r1
    ja next8
skip8:
    stw [%r6+32], 0
next8:
; section 9: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 9
    call 12
    call 7
    jeq %r0, 0, skip9
    ldxw %r1, [%r6+36]
    add %r1, 9
    stxw [%r6+36], %r1
    ja next9
skip9:
    stw [%r6+36], 0
next9:
; section 10: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 10
    call 12
    call 7
    jeq %r0, 0, skip10
    ldxw %r1, [%r6+40]
    add %r1, 10
    stxw [%r6+40], %r1
    ja next10
skip10:
    stw [%r6+40], 0
next10:
; section 11: a tail call (which returns when it fails), then work on the value
    mov %r1, %r9
    lddw %r2, map_fd 2
    mov %r3, 11
    call 12
    call 7
    jeq %r0, 0, skip11
    ldxw %r1, [%r6+44]
    add %r1, 11
    stxw [%r6+44], %r1
    ja next11
skip11:
    stw [%r6+44], 0
next11:
    ldxdw %r5, [%r10-24]
    ldxw %r1, [%r5+0]
    mov %r0, 2
    exit
out:
    mov %r0, 0
    exit
