/* The five whole XDP programs of the execution-context benchmark, each over a 1 KiB UDP
 * frame: empty, header parse, byte sum over the payload, 64 hash lookups, and a 4,096-round
 * arithmetic loop. */
#include "common.h"

SEC("xdp")
int xdp_empty(struct xdp_md *ctx)
{
    return XDP_PASS;
}

/* Ethernet / IPv4 / UDP parse: passes UDP to port 53, drops the rest. */
SEC("xdp")
int xdp_parse(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end || eth->h_proto != bpf_htons(ETH_P_IP))
        return XDP_DROP;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end || ip->ihl != 5 || ip->protocol != IPPROTO_UDP)
        return XDP_DROP;
    struct udphdr *udp = (void *)(ip + 1);
    if ((void *)(udp + 1) > data_end)
        return XDP_DROP;
    return udp->dest == bpf_htons(53) ? XDP_PASS : XDP_DROP;
}

#define HEADERS (ETH_HLEN + 20 + 8)

/* Sums the payload bytes after the UDP header (at most 1,024); returns the sum's low 16 bits
 * + 3 (so the result is never a verdict by accident). */
SEC("xdp")
int xdp_byte_sum(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    __u32 sum = 0;
    for (int i = 0; i < 1024; i++) {
        __u8 *p = data + HEADERS + i;
        if ((void *)(p + 1) > data_end)
            break;
        sum += *p;
    }
    return (sum & 0xffff) + 3;
}

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} table SEC(".maps");

/* 64 lookups of keys 0..63 (a test or benchmark fills the map); returns how many hit. */
SEC("xdp")
int xdp_hash64(struct xdp_md *ctx)
{
    int hits = 0;
    for (__u32 k = 0; k < 64; k++) {
        __u32 key = k;
        if (bpf_map_lookup_elem(&table, &key))
            hits++;
    }
    return hits;
}

/* 4,096 rounds of multiply-xor-shift seeded by the frame length; returns the low 31 bits. */
SEC("xdp")
int xdp_arith(struct xdp_md *ctx)
{
    __u64 x = ctx->data_end - ctx->data;
    for (int i = 0; i < 4096; i++) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        x ^= x >> 29;
    }
    return x & 0x7fffffff;
}

char LICENSE[] SEC("license") = "GPL";
