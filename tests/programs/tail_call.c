/* Tail calls through a prog_array: a dispatcher and two targets in their own sections. */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} jump_table SEC(".maps");

SEC("xdp")
int xdp_dispatch(struct xdp_md *ctx)
{
    __u32 index = (ctx->data_end - ctx->data) & 1;
    bpf_tail_call(ctx, &jump_table, index);
    return XDP_PASS;
}

SEC("xdp/0")
int xdp_even(struct xdp_md *ctx)
{
    return XDP_PASS;
}

SEC("xdp/1")
int xdp_odd(struct xdp_md *ctx)
{
    return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
