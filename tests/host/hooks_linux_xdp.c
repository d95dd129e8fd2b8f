/* Programs for the Linux XDP hook tests (kernel-host/tests/hooks_*.rs) and the hooks benchmark
 * (benches/benches/hooks.rs: `pass`): counters for the
 * attach/detach/replace race, tagging programs for the run order, one per action, redirects
 * through a device map and to an interface, IP-in-IP encapsulation with bpf_xdp_adjust_head and
 * a tail trim with bpf_xdp_adjust_tail. */
#include "common.h"
#include "hooks_encap.h"

/* counts[i]: how many times program i ran. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} ports SEC(".maps");

static __always_inline void bump(__u32 i)
{
    __u64 *n = bpf_map_lookup_elem(&counts, &i);
    if (n)
        __sync_fetch_and_add(n, 1);
}

SEC("xdp") int pass(struct xdp_md *ctx) { return XDP_PASS; }
SEC("xdp") int count_a(struct xdp_md *ctx) { bump(0); return XDP_PASS; }
SEC("xdp") int count_b(struct xdp_md *ctx) { bump(1); return XDP_PASS; }
SEC("xdp") int count_c(struct xdp_md *ctx) { bump(2); return XDP_PASS; }

#define TAGGER(name, tag)                                                       \
    SEC("xdp") int name(struct xdp_md *ctx)                                     \
    {                                                                           \
        add_tag((void *)(long)ctx->data, (void *)(long)ctx->data_end, tag);    \
        return XDP_PASS;                                                        \
    }
TAGGER(tag_a, 'a')
TAGGER(tag_b, 'b')
TAGGER(tag_c, 'c')
TAGGER(tag_d, 'd')

SEC("xdp") int drop_all(struct xdp_md *ctx) { bump(3); return XDP_DROP; }
SEC("xdp") int aborts(struct xdp_md *ctx) { bump(4); return XDP_ABORTED; }
SEC("xdp") int bad_action(struct xdp_md *ctx) { return 99; }

/* Swaps the MAC addresses and sends the frame back. */
SEC("xdp")
int tx_swap(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return XDP_DROP;
    __u8 tmp[ETH_ALEN];
    __builtin_memcpy(tmp, eth->h_dest, ETH_ALEN);
    __builtin_memcpy(eth->h_dest, eth->h_source, ETH_ALEN);
    __builtin_memcpy(eth->h_source, tmp, ETH_ALEN);
    bump(5);
    return XDP_TX;
}

/* Redirects through the device map slot `ingress_ifindex % 4`; an empty slot drops. */
SEC("xdp")
int redirect_port(struct xdp_md *ctx)
{
    return bpf_redirect_map(&ports, ctx->ingress_ifindex % 4, XDP_DROP);
}

/* Redirects to interface ingress_ifindex + 100. */
SEC("xdp")
int redirect_if(struct xdp_md *ctx)
{
    return bpf_redirect(ctx->ingress_ifindex + 100, 0);
}

/* Claims a redirect without calling a redirect helper. */
SEC("xdp") int redirect_nowhere(struct xdp_md *ctx) { return XDP_REDIRECT; }

SEC("xdp")
int encap(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_head(ctx, -20))
        return XDP_ABORTED;
    if (write_outer((void *)(long)ctx->data, (void *)(long)ctx->data_end))
        return XDP_DROP;
    return XDP_TX;
}

/* Drops the last 4 bytes (a trailer) and passes. */
SEC("xdp")
int trim(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_tail(ctx, -4))
        return XDP_ABORTED;
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
