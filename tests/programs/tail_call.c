/* Tail calls through a prog_array: a dispatcher and two targets in their own sections. */
#include "common.h"

int xdp_even(struct xdp_md *ctx);
int xdp_odd(struct xdp_md *ctx);

/* Slots 0 and 1 are filled at load time from the relocations of `.maps`. */
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, int(struct xdp_md *));
} jump_table SEC(".maps") = {
    .values = { [0] = (void *)&xdp_even, [1] = (void *)&xdp_odd },
};

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
