/* Programs for the eBPF for Windows XDP hook tests (kernel-host/tests/hooks_*.rs), loaded with
 * the windows platform: xdp_md_t with 8-byte pointers, verdicts XDP_PASS 1, XDP_DROP 2,
 * XDP_TX 3, bpf_xdp_adjust_head (65536); counters, tagging programs, IP-in-IP encapsulation. */
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/in.h>
#include <bpf/bpf_endian.h>

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#ifndef __always_inline
#define __always_inline inline __attribute__((always_inline))
#endif

typedef struct xdp_md {
    void *data;
    void *data_end;
    __u64 data_meta;
    __u32 ingress_ifindex;
} xdp_md_t;

enum { XDP_PASS = 1, XDP_DROP = 2, XDP_TX = 3 };
enum { ARRAY = 2 };

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_xdp_adjust_head)(xdp_md_t *ctx, int delta) = (void *)0x10000;

#include "hooks_encap.h"

struct {
    __uint(type, ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

static __always_inline void bump(__u32 i)
{
    __u64 *n = bpf_map_lookup_elem(&counts, &i);
    if (n)
        __sync_fetch_and_add(n, 1);
}

SEC("xdp") int count_a(xdp_md_t *ctx) { bump(0); return XDP_PASS; }
SEC("xdp") int count_b(xdp_md_t *ctx) { bump(1); return XDP_PASS; }

#define TAGGER(name, tag)                                                       \
    SEC("xdp") int name(xdp_md_t *ctx)                                          \
    {                                                                           \
        add_tag(ctx->data, ctx->data_end, tag);                                 \
        return XDP_PASS;                                                        \
    }
TAGGER(tag_a, 'a')
TAGGER(tag_b, 'b')
TAGGER(tag_c, 'c')

/* Records the interface in the counters' slot 8 + ifindex % 4, then drops. */
SEC("xdp")
int drop_all(xdp_md_t *ctx)
{
    bump(8 + ctx->ingress_ifindex % 4);
    return XDP_DROP;
}

SEC("xdp") int tx_back(xdp_md_t *ctx) { bump(3); return XDP_TX; }
SEC("xdp") int bad_action(xdp_md_t *ctx) { return 7; }

SEC("xdp")
int encap(xdp_md_t *ctx)
{
    if (bpf_xdp_adjust_head(ctx, -20))
        return XDP_DROP;
    if (write_outer(ctx->data, ctx->data_end))
        return XDP_DROP;
    return XDP_TX;
}
