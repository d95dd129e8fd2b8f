# Checks an IPv4 header's checksum (RFC 1071 one's-complement sum).
# Input: r1 = the header, r2 = its length in bytes (even).
# Output: r0 = 0 when the checksum in the header is valid, otherwise the
# one's complement of the folded sum.
mov %r0, 0
mov %r3, 0
sum:
mov %r4, %r1
add %r4, %r3
ldxh %r5, [%r4]
be16 %r5
add %r0, %r5
add %r3, 2
jlt %r3, %r2, sum
fold:
mov %r4, %r0
rsh %r4, 16
jeq %r4, 0, done
and %r0, 0xffff
add %r0, %r4
ja fold
done:
xor %r0, 0xffff
exit
