/* Callbacks: bpf_loop and bpf_for_each_map_elem with static callbacks, whose addresses are
 * LDDWs of functions (BPF_PSEUDO_FUNC). The callbacks reach the caller's stack through their
 * context pointer. One callback returns 2 (callbacks return 0 or 1): rejected. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} slots SEC(".maps");

struct sum {
    __u64 total;
    __u32 seen;
};

static long add_index(__u32 index, void *data)
{
    struct sum *s = data;
    s->total += index;
    s->seen++;
    return 0;
}

SEC("xdp")
int loop_sum(struct xdp_md *ctx)
{
    struct sum s = { 0, 0 };
    bpf_loop(16, add_index, &s, 0);
    return s.total == 120 ? XDP_PASS : XDP_DROP;
}

static long add_value(void *map, __u32 *key, __u64 *value, void *data)
{
    struct sum *s = data;
    s->total += *value + *key;
    s->seen++;
    /* Stop at a large value. (Stopping after 32 elements, `s->seen >= 32`, is as safe, but
     * Linux then explores every count and gives up after a million instructions.) */
    return *value > 1000;
}

SEC("xdp")
int for_each_sum(struct xdp_md *ctx)
{
    struct sum s = { 0, 0 };
    bpf_for_each_map_elem(&counts, add_value, &s, 0);
    return s.total > 100 ? XDP_DROP : XDP_PASS;
}

static long reset_slot(void *map, __u32 *key, __u64 *value, void *data)
{
    *value = 0;
    return 0;
}

SEC("xdp")
int for_each_reset(struct xdp_md *ctx)
{
    bpf_for_each_map_elem(&slots, reset_slot, 0, 0);
    return XDP_PASS;
}

static long bad_return(__u32 index, void *data)
{
    return 2;
}

SEC("xdp")
int loop_bad_return(struct xdp_md *ctx)
{
    bpf_loop(4, bad_return, 0, 0);
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
