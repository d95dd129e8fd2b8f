/* Atomic read-modify-write instructions on a map value (built with -mcpu=v3 so that
 * fetch variants and cmpxchg exist). */
#include "common.h"

struct counters {
    __u64 add;
    __u64 or_bits;
    __u64 and_bits;
    __u64 xor_bits;
    __u64 swapped;
    __u32 add32;
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct counters);
} stats SEC(".maps");

SEC("xdp")
int xdp_atomics(struct xdp_md *ctx)
{
    __u32 key = 0;
    struct counters *c = bpf_map_lookup_elem(&stats, &key);
    if (!c)
        return XDP_PASS;
    __sync_fetch_and_add(&c->add, 1);
    __sync_fetch_and_or(&c->or_bits, 2);
    __sync_fetch_and_and(&c->and_bits, 6);
    __sync_fetch_and_xor(&c->xor_bits, 4);
    __u64 old = __sync_lock_test_and_set(&c->swapped, 9);
    __sync_val_compare_and_swap(&c->swapped, 9, old);
    __u32 prev = __sync_fetch_and_add(&c->add32, 3);
    return prev & 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
