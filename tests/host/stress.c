/* The stress test's programs (kernel-host/tests/stress.rs): `entry` counts its run, looks up a
 * random key of `table` and tail-calls slot 0 of `next`, which another thread keeps replacing
 * between `prog_a` and `prog_b` (and now and then clears). Each of the three counts its runs in
 * its own per-CPU counter and checks the value it found, so that
 *     entry_runs = a_runs + b_runs + misses    and    found + absent + wrong = 2 * entry_runs,
 * and each return value names the program that gave it: XDP_PASS from prog_a, XDP_TX from
 * prog_b, XDP_DROP when the tail call missed. The user side writes `table[k]` as
 * (k << 32 | generation), so a value whose high half is not its key is memory a program should
 * not have seen (counted in `lookups[2]`, which must stay 0). `entry` also counts its runs by
 * an atomic add into one value every CPU shares (`shared_runs`). */
#include "common.h"

#define KEYS 64

#define COUNTER(name)                                                                         \
    struct {                                                                                  \
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);                                              \
        __uint(max_entries, 1);                                                               \
        __type(key, __u32);                                                                   \
        __type(value, __u64);                                                                 \
    } name SEC(".maps")

COUNTER(entry_runs);
COUNTER(a_runs);
COUNTER(b_runs);
COUNTER(misses);

/* Every run of entry, added atomically from all CPUs. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} shared_runs SEC(".maps");

/* Lookup outcomes: 0 found with the right key, 1 absent, 2 found with a wrong value. */
struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);
    __type(value, __u64);
} lookups SEC(".maps");

/* Written and deleted by the user side while programs run. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, KEYS);
    __type(key, __u32);
    __type(value, __u64);
} table SEC(".maps");

/* Slot 0: prog_a or prog_b, set and replaced by the user side. */
struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} next SEC(".maps");

static __always_inline void count(void *map, __u32 index)
{
    __u64 *c = bpf_map_lookup_elem(map, &index);
    if (c)
        *c += 1; /* this CPU's slice: the invocation owns the CPU */
}

/* Looks up a random key and counts the outcome. */
static __always_inline void look_up(void)
{
    __u32 key = bpf_get_prandom_u32() % KEYS;
    __u64 *v = bpf_map_lookup_elem(&table, &key);
    __u32 outcome = 1;
    if (v)
        outcome = (*v >> 32) == key ? 0 : 2;
    count(&lookups, outcome);
}

SEC("xdp")
int entry(struct xdp_md *ctx)
{
    __u32 zero = 0;
    __u64 *all = bpf_map_lookup_elem(&shared_runs, &zero);
    if (all)
        __sync_fetch_and_add(all, 1);
    count(&entry_runs, 0);
    look_up();
    bpf_tail_call(ctx, &next, 0);
    count(&misses, 0);
    look_up();
    return XDP_DROP;
}

SEC("xdp")
int prog_a(struct xdp_md *ctx)
{
    count(&a_runs, 0);
    look_up();
    return XDP_PASS;
}

SEC("xdp")
int prog_b(struct xdp_md *ctx)
{
    count(&b_runs, 0);
    look_up();
    return XDP_TX;
}

char LICENSE[] SEC("license") = "GPL";
