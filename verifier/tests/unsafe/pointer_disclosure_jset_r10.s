; expect: pointer-comparison
; type: socket_filter
; Copies r10 into r0 bit by bit: 64 jset tests against powers of two (the issue's attack).
; The twin of safe/pointer_difference_jset.s, which tests bits of a number.
    mov %r0, 0
    lddw %r2, 1
    jset %r10, %r2, set0
    ja next0
set0:
    or %r0, %r2
next0:
    lddw %r2, 2
    jset %r10, %r2, set1
    ja next1
set1:
    or %r0, %r2
next1:
    lddw %r2, 4
    jset %r10, %r2, set2
    ja next2
set2:
    or %r0, %r2
next2:
    lddw %r2, 8
    jset %r10, %r2, set3
    ja next3
set3:
    or %r0, %r2
next3:
    lddw %r2, 16
    jset %r10, %r2, set4
    ja next4
set4:
    or %r0, %r2
next4:
    lddw %r2, 32
    jset %r10, %r2, set5
    ja next5
set5:
    or %r0, %r2
next5:
    lddw %r2, 64
    jset %r10, %r2, set6
    ja next6
set6:
    or %r0, %r2
next6:
    lddw %r2, 128
    jset %r10, %r2, set7
    ja next7
set7:
    or %r0, %r2
next7:
    lddw %r2, 256
    jset %r10, %r2, set8
    ja next8
set8:
    or %r0, %r2
next8:
    lddw %r2, 512
    jset %r10, %r2, set9
    ja next9
set9:
    or %r0, %r2
next9:
    lddw %r2, 1024
    jset %r10, %r2, set10
    ja next10
set10:
    or %r0, %r2
next10:
    lddw %r2, 2048
    jset %r10, %r2, set11
    ja next11
set11:
    or %r0, %r2
next11:
    lddw %r2, 4096
    jset %r10, %r2, set12
    ja next12
set12:
    or %r0, %r2
next12:
    lddw %r2, 8192
    jset %r10, %r2, set13
    ja next13
set13:
    or %r0, %r2
next13:
    lddw %r2, 16384
    jset %r10, %r2, set14
    ja next14
set14:
    or %r0, %r2
next14:
    lddw %r2, 32768
    jset %r10, %r2, set15
    ja next15
set15:
    or %r0, %r2
next15:
    lddw %r2, 65536
    jset %r10, %r2, set16
    ja next16
set16:
    or %r0, %r2
next16:
    lddw %r2, 131072
    jset %r10, %r2, set17
    ja next17
set17:
    or %r0, %r2
next17:
    lddw %r2, 262144
    jset %r10, %r2, set18
    ja next18
set18:
    or %r0, %r2
next18:
    lddw %r2, 524288
    jset %r10, %r2, set19
    ja next19
set19:
    or %r0, %r2
next19:
    lddw %r2, 1048576
    jset %r10, %r2, set20
    ja next20
set20:
    or %r0, %r2
next20:
    lddw %r2, 2097152
    jset %r10, %r2, set21
    ja next21
set21:
    or %r0, %r2
next21:
    lddw %r2, 4194304
    jset %r10, %r2, set22
    ja next22
set22:
    or %r0, %r2
next22:
    lddw %r2, 8388608
    jset %r10, %r2, set23
    ja next23
set23:
    or %r0, %r2
next23:
    lddw %r2, 16777216
    jset %r10, %r2, set24
    ja next24
set24:
    or %r0, %r2
next24:
    lddw %r2, 33554432
    jset %r10, %r2, set25
    ja next25
set25:
    or %r0, %r2
next25:
    lddw %r2, 67108864
    jset %r10, %r2, set26
    ja next26
set26:
    or %r0, %r2
next26:
    lddw %r2, 134217728
    jset %r10, %r2, set27
    ja next27
set27:
    or %r0, %r2
next27:
    lddw %r2, 268435456
    jset %r10, %r2, set28
    ja next28
set28:
    or %r0, %r2
next28:
    lddw %r2, 536870912
    jset %r10, %r2, set29
    ja next29
set29:
    or %r0, %r2
next29:
    lddw %r2, 1073741824
    jset %r10, %r2, set30
    ja next30
set30:
    or %r0, %r2
next30:
    lddw %r2, 2147483648
    jset %r10, %r2, set31
    ja next31
set31:
    or %r0, %r2
next31:
    lddw %r2, 4294967296
    jset %r10, %r2, set32
    ja next32
set32:
    or %r0, %r2
next32:
    lddw %r2, 8589934592
    jset %r10, %r2, set33
    ja next33
set33:
    or %r0, %r2
next33:
    lddw %r2, 17179869184
    jset %r10, %r2, set34
    ja next34
set34:
    or %r0, %r2
next34:
    lddw %r2, 34359738368
    jset %r10, %r2, set35
    ja next35
set35:
    or %r0, %r2
next35:
    lddw %r2, 68719476736
    jset %r10, %r2, set36
    ja next36
set36:
    or %r0, %r2
next36:
    lddw %r2, 137438953472
    jset %r10, %r2, set37
    ja next37
set37:
    or %r0, %r2
next37:
    lddw %r2, 274877906944
    jset %r10, %r2, set38
    ja next38
set38:
    or %r0, %r2
next38:
    lddw %r2, 549755813888
    jset %r10, %r2, set39
    ja next39
set39:
    or %r0, %r2
next39:
    lddw %r2, 1099511627776
    jset %r10, %r2, set40
    ja next40
set40:
    or %r0, %r2
next40:
    lddw %r2, 2199023255552
    jset %r10, %r2, set41
    ja next41
set41:
    or %r0, %r2
next41:
    lddw %r2, 4398046511104
    jset %r10, %r2, set42
    ja next42
set42:
    or %r0, %r2
next42:
    lddw %r2, 8796093022208
    jset %r10, %r2, set43
    ja next43
set43:
    or %r0, %r2
next43:
    lddw %r2, 17592186044416
    jset %r10, %r2, set44
    ja next44
set44:
    or %r0, %r2
next44:
    lddw %r2, 35184372088832
    jset %r10, %r2, set45
    ja next45
set45:
    or %r0, %r2
next45:
    lddw %r2, 70368744177664
    jset %r10, %r2, set46
    ja next46
set46:
    or %r0, %r2
next46:
    lddw %r2, 140737488355328
    jset %r10, %r2, set47
    ja next47
set47:
    or %r0, %r2
next47:
    lddw %r2, 281474976710656
    jset %r10, %r2, set48
    ja next48
set48:
    or %r0, %r2
next48:
    lddw %r2, 562949953421312
    jset %r10, %r2, set49
    ja next49
set49:
    or %r0, %r2
next49:
    lddw %r2, 1125899906842624
    jset %r10, %r2, set50
    ja next50
set50:
    or %r0, %r2
next50:
    lddw %r2, 2251799813685248
    jset %r10, %r2, set51
    ja next51
set51:
    or %r0, %r2
next51:
    lddw %r2, 4503599627370496
    jset %r10, %r2, set52
    ja next52
set52:
    or %r0, %r2
next52:
    lddw %r2, 9007199254740992
    jset %r10, %r2, set53
    ja next53
set53:
    or %r0, %r2
next53:
    lddw %r2, 18014398509481984
    jset %r10, %r2, set54
    ja next54
set54:
    or %r0, %r2
next54:
    lddw %r2, 36028797018963968
    jset %r10, %r2, set55
    ja next55
set55:
    or %r0, %r2
next55:
    lddw %r2, 72057594037927936
    jset %r10, %r2, set56
    ja next56
set56:
    or %r0, %r2
next56:
    lddw %r2, 144115188075855872
    jset %r10, %r2, set57
    ja next57
set57:
    or %r0, %r2
next57:
    lddw %r2, 288230376151711744
    jset %r10, %r2, set58
    ja next58
set58:
    or %r0, %r2
next58:
    lddw %r2, 576460752303423488
    jset %r10, %r2, set59
    ja next59
set59:
    or %r0, %r2
next59:
    lddw %r2, 1152921504606846976
    jset %r10, %r2, set60
    ja next60
set60:
    or %r0, %r2
next60:
    lddw %r2, 2305843009213693952
    jset %r10, %r2, set61
    ja next61
set61:
    or %r0, %r2
next61:
    lddw %r2, 4611686018427387904
    jset %r10, %r2, set62
    ja next62
set62:
    or %r0, %r2
next62:
    lddw %r2, 9223372036854775808
    jset %r10, %r2, set63
    ja next63
set63:
    or %r0, %r2
next63:
    exit
