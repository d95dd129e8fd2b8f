; expect: helper-argument
; map: fd=1 kind=hash key=4 value=4
; bpf_redirect_map needs a devmap, cpumap or xskmap: the host would read a hash map's values
; as network devices.
    lddw %r1, map_fd 1
    mov %r2, 0
    mov %r3, 0
    call 51
    exit
