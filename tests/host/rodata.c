/* A program whose safety rests on read-only global data: it indexes an 8-entry global array
 * with `slot`, a `const volatile` .rodata value. Linux's verifier reads frozen .rodata, knows
 * slot is 5 and accepts; a verifier that does not know the value sees an index of any size and
 * rejects the access. Returns the counter's new value. */
#include "common.h"

const volatile __u32 slot = 5;
const volatile __u64 step = 3;

__u64 counters[8];

SEC("xdp")
int xdp_rodata_index(struct xdp_md *ctx)
{
    __u32 i = slot;
    counters[i] += step;
    return counters[i];
}

char LICENSE[] SEC("license") = "GPL";
