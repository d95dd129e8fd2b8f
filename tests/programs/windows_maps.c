/* A legacy `maps` section in eBPF for Windows' layout (ebpf_map_definition_in_file_t:
 * type, key_size, value_size, max_entries, inner_map_idx, pinning, id, inner_id), with Windows
 * map type numbers, used by cgroup/connect6 and recv_accept4 programs. */
#include "common.h"

struct ebpf_map_definition_in_file {
    __u32 type;
    __u32 key_size;
    __u32 value_size;
    __u32 max_entries;
    __u32 inner_map_idx;
    __u32 pinning;
    __u32 id;
    __u32 inner_id;
};

/* Windows numbering: 1 hash, 2 array, 7 array of maps. */
struct ebpf_map_definition_in_file SEC("maps") policy = {
    .type = 1, .key_size = 8, .value_size = 4, .max_entries = 128, .pinning = 2,
};
struct ebpf_map_definition_in_file SEC("maps") inner_template = {
    .type = 2, .key_size = 4, .value_size = 4, .max_entries = 1,
};
struct ebpf_map_definition_in_file SEC("maps") outer = {
    .type = 7, .key_size = 4, .value_size = 4, .max_entries = 4, .inner_map_idx = 1,
};

struct sock_addr_md {
    __u32 family;
    __u8 msg_src_ip6[16];
    __u16 msg_src_port;
    __u8 user_ip6[16];
    __u16 user_port;
    __u32 protocol;
    __u64 interface_luid;
};

SEC("cgroup/connect6")
int authorize_connect6(struct sock_addr_md *ctx)
{
    __u64 key = ctx->user_port;
    __u32 *verdict = bpf_map_lookup_elem(&policy, &key);
    return verdict ? *verdict : 1;
}

SEC("cgroup/recv_accept4")
int authorize_recv_accept4(struct sock_addr_md *ctx)
{
    __u32 key = 0;
    void *inner = bpf_map_lookup_elem(&outer, &key);
    return inner ? 1 : 0;
}

char LICENSE[] SEC("license") = "MIT";
