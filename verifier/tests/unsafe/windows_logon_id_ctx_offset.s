; expect: helper-argument
; platform: windows
; type: sock_addr
; bpf_get_current_logon_id (20) needs the context at offset 0, not a field of it.
    add %r1, 8
    call 20
    mov %r0, 1
    exit
