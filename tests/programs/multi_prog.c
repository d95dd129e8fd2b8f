/* Several programs in one section (libbpf's model) and a kretprobe, sharing a map. */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __type(value, __u64);
} calls SEC(".maps");

static __always_inline int bump(__u32 key)
{
    __u64 *v = bpf_map_lookup_elem(&calls, &key);
    if (v)
        *v += 1;
    return 0;
}

SEC("kprobe/do_sys_open")
int probe_open_a(void *ctx)
{
    return bump(0);
}

SEC("kprobe/do_sys_open")
int probe_open_b(void *ctx)
{
    return bump(1);
}

SEC("kretprobe/do_sys_open")
int probe_open_ret(void *ctx)
{
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
