; type: lwt_xmit
; expect: out-of-bounds
; __sk_buff.tstamp (152) is not an lwt field.
    ldxdw %r2, [%r1+152]
    mov %r0, 1
    exit
