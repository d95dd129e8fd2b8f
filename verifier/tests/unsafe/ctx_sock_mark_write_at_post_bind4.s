; type: cgroup_sock
; attach: cgroup_inet4_post_bind
; expect: out-of-bounds
; bpf_sock.mark (16) is neither writable nor readable after bind.
    mov %r2, 7
    stxw [%r1+16], %r2
    mov %r0, 1
    exit
