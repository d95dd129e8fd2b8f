; type: lwt_in
; expect: out-of-bounds
; __sk_buff.family (88): lwt programs have no socket fields.
    ldxw %r2, [%r1+88]
    mov %r0, 1
    exit
