; expect: out-of-bounds
; Linux keeps the may_goto budget in a hidden slot below the 512-byte frame; no program may
; read there (here the budget is not on the program's stack at all).
    may_goto +0
    ldxdw %r0, [%r10-520]
    exit
