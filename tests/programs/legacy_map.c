/* A legacy `maps` section in the Linux `struct bpf_map_def` layout, used by a socket filter. */
#include "common.h"

struct bpf_map_def {
    unsigned int type;
    unsigned int key_size;
    unsigned int value_size;
    unsigned int max_entries;
    unsigned int map_flags;
};

struct bpf_map_def SEC("maps") packet_count = {
    .type = BPF_MAP_TYPE_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 4,
};

struct bpf_map_def SEC("maps") byte_count = {
    .type = BPF_MAP_TYPE_PERCPU_ARRAY,
    .key_size = sizeof(__u32),
    .value_size = sizeof(__u64),
    .max_entries = 4,
    .map_flags = 0,
};

SEC("socket")
int count_packets(struct __sk_buff *skb)
{
    __u32 key = skb->pkt_type & 3;
    __u64 *packets = bpf_map_lookup_elem(&packet_count, &key);
    if (packets)
        __sync_fetch_and_add(packets, 1);
    __u64 *bytes = bpf_map_lookup_elem(&byte_count, &key);
    if (bytes)
        *bytes += skb->len;
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
__u32 _version SEC("version") = 0x050a00;
