; type: socket_filter
; map: fd=1 kind=ringbuf key=0 value=0 entries=4096
; The legacy load comes before the reservation: a failed load holds nothing.
; The twin of unsafe/ldabs_failure_leaks_reservation.s.
    mov %r6, %r1
    ldabsb 20
    mov %r8, %r0
    lddw %r1, map_fd 1
    mov %r2, 8
    mov %r3, 0
    call 131
    jeq %r0, 0, out
    stxdw [%r0], %r8
    mov %r1, %r0
    mov %r2, 0
    call 132
out:
    mov %r0, 0
    exit
