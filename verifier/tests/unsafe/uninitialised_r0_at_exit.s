; expect: uninit-register
    exit
