/* Tail-call limits on Linux: a program that tail-calls itself until the kernel refuses (33
 * tail calls, 34 runs) and returns how often it ran; one whose tail calls all fail (an index
 * past the array, an empty slot) and returns that it got past both. Neither reads the packet. */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} runs SEC(".maps");

int chain(struct xdp_md *ctx);

/* Slot 0: chain itself; slot 1 stays empty. */
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, int (void *));
} chain_jump SEC(".maps") = {
    .values = { [0] = (void *)&chain },
};

/* Counts its runs in `runs` and tail-calls itself; returns the count when the call fails. */
SEC("xdp")
int chain(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u32 *n = bpf_map_lookup_elem(&runs, &zero);
    if (!n)
        return XDP_ABORTED;
    *n += 1;
    bpf_tail_call(ctx, &chain_jump, 0);
    return *n;
}

/* Tail calls to index 5 (past the array) and 1 (empty) fall through: returns 7. */
SEC("xdp")
int tail_miss(struct xdp_md *ctx)
{
    bpf_tail_call(ctx, &chain_jump, 5);
    bpf_tail_call(ctx, &chain_jump, 1);
    return 7;
}

char LICENSE[] SEC("license") = "GPL";
