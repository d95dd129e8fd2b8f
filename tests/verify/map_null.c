/* A hash-map counter: one program checks the lookup result for NULL (safe), one does not
 * (unsafe: the lookup may fail). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, __u64);
} counts SEC(".maps");

SEC("xdp")
int count_checked(struct xdp_md *ctx)
{
    __u32 key = ctx->ingress_ifindex;
    __u64 *value = bpf_map_lookup_elem(&counts, &key);
    if (value)
        __sync_fetch_and_add(value, 1);
    return XDP_PASS;
}

SEC("xdp")
int count_unchecked(struct xdp_md *ctx)
{
    __u32 key = ctx->ingress_ifindex;
    __u64 *value = bpf_map_lookup_elem(&counts, &key);
    *value += 1;
    return XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
