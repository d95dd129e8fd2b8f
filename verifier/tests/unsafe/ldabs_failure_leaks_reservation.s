; expect: reference-leak
; type: socket_filter
; map: fd=1 kind=ringbuf key=0 value=0 entries=4096
; A legacy load outside the packet ends the program (r0 = 0) with a ring buffer reservation
; still held. The twin of safe/ldabs_before_reservation.s.
    mov %r6, %r1
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, out
    mov %r7, %r0
    ldabsb 20
    mov %r1, %r7
    mov %r2, 0
    call 133
out:
    mov %r0, 0
    exit
