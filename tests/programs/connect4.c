/* A cgroup/connect4 program: blocks connections to one TCP port, counting them. */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} blocked SEC(".maps");

SEC("cgroup/connect4")
int authorize_connect4(struct bpf_sock_addr *ctx)
{
    if (ctx->user_port != __builtin_bswap16(23))
        return 1;
    __u32 key = 0;
    __u64 *count = bpf_map_lookup_elem(&blocked, &key);
    if (count)
        __sync_fetch_and_add(count, 1);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
