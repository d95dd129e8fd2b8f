/* bpf_loop with a static callback: the callback's address is an LDDW of a function
 * (BPF_PSEUDO_FUNC, src = 4), relocated like a call and linked into the program. */
#include "common.h"

struct loop_ctx {
    __u64 sum;
};

static long add_index(__u32 index, void *data)
{
    struct loop_ctx *c = data;
    c->sum += index;
    return 0;
}

SEC("xdp")
int xdp_loop_callback(struct xdp_md *ctx)
{
    struct loop_ctx c = { .sum = 0 };
    bpf_loop(16, add_index, &c, 0);
    return c.sum == 120 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
