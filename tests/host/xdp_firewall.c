/* An XDP firewall: drops IPv4 packets whose source address is in an LPM trie of blocked
 * prefixes, counts packets per source in a hash map and per verdict in an array, and hands
 * UDP packets to a second program through a tail call, which counts them by destination
 * port and passes them. Non-IPv4 frames pass; frames too short for their headers drop. */
#include "common.h"

struct lpm_v4_key {
    __u32 prefixlen;
    __u32 addr;
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1024);
    __type(key, struct lpm_v4_key);
    __type(value, __u32);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} blocked SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} per_source SEC(".maps");

/* Index = XDP verdict (XDP_ABORTED..XDP_REDIRECT). */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 5);
    __type(key, __u32);
    __type(value, __u64);
} verdicts SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 256);
    __type(key, __u16);
    __type(value, __u64);
} udp_ports SEC(".maps");

int xdp_udp(struct xdp_md *ctx);

/* Slot 0 holds xdp_udp from the start (libbpf's prog-array initial values). */
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, int (void *));
} jump SEC(".maps") = {
    .values = { [0] = (void *)&xdp_udp },
};

static __always_inline int count_verdict(int verdict)
{
    __u32 key = verdict;
    __u64 *n = bpf_map_lookup_elem(&verdicts, &key);
    if (n)
        __sync_fetch_and_add(n, 1);
    return verdict;
}

SEC("xdp")
int xdp_firewall(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return count_verdict(XDP_DROP);
    if (eth->h_proto != bpf_htons(ETH_P_IP))
        return count_verdict(XDP_PASS);
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end)
        return count_verdict(XDP_DROP);

    __u32 src = ip->saddr;
    __u64 one = 1;
    __u64 *seen = bpf_map_lookup_elem(&per_source, &src);
    if (seen)
        __sync_fetch_and_add(seen, 1);
    else
        bpf_map_update_elem(&per_source, &src, &one, BPF_NOEXIST);

    struct lpm_v4_key key = { .prefixlen = 32, .addr = src };
    if (bpf_map_lookup_elem(&blocked, &key))
        return count_verdict(XDP_DROP);
    if (ip->protocol == IPPROTO_UDP)
        bpf_tail_call(ctx, &jump, 0);
    return count_verdict(XDP_PASS);
}

SEC("xdp")
int xdp_udp(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > data_end)
        return count_verdict(XDP_DROP);
    __u16 port = bpf_ntohs(udp->dest);
    __u64 one = 1;
    __u64 *n = bpf_map_lookup_elem(&udp_ports, &port);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        bpf_map_update_elem(&udp_ports, &port, &one, BPF_ANY);
    return count_verdict(XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
