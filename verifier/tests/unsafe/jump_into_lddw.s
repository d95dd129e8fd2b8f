; expect: jump-into-lddw
    ja +1
    lddw %r0, 0x100000000
    exit
