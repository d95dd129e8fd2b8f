/* Map-in-map: an array of array maps, with the inner map's definition in BTF. */
#include "common.h"

struct inner {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
};

struct inner inner_a SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner);
} outer SEC(".maps") = {
    .values = { [0] = &inner_a },
};

SEC("xdp")
int xdp_map_in_map(struct xdp_md *ctx)
{
    __u32 key = 0;
    void *inner_map = bpf_map_lookup_elem(&outer, &key);
    if (!inner_map)
        return XDP_PASS;
    __u32 *value = bpf_map_lookup_elem(inner_map, &key);
    return value && *value ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
