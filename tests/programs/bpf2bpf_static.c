/* Static bpf-to-bpf calls: two static functions in .text, linked into the calling program. */
#include "common.h"

static __attribute__((noinline)) int square(int x)
{
    return x * x;
}

static __attribute__((noinline)) int sum_squares(int a, int b)
{
    return square(a) + square(b);
}

SEC("xdp")
int xdp_static_calls(struct xdp_md *ctx)
{
    int n = ctx->data_end - ctx->data;
    return sum_squares(n, 3) > 100 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
