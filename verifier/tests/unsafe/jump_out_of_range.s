; expect: jump-out-of-range
    ja +5
    exit
