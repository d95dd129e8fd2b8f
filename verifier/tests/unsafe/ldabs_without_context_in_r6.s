; expect: type-mismatch
; type: socket_filter
    ldabsb 0
    exit
