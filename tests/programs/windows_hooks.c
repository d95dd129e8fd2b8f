/* Programs for eBPF for Windows hooks with its own context structures and helper ids
 * (include/ebpf_nethooks.h, tests/include/xdp_hooks.h, include/bpf_helper_defs.h), built here
 * with the Linux headers for the map macros only: xdp_md_t with 8-byte packet pointers, the
 * sock_ops and sock_addr hook helpers, and general helper 35. */
#include "common.h"

typedef struct xdp_md_ {
    void *data;
    void *data_end;
    __u64 data_meta;
    __u32 ingress_ifindex;
} xdp_md_t;

typedef struct bpf_sock_addr_ {
    __u32 family;
    union { __u32 msg_src_ip4; __u32 msg_src_ip6[4]; };
    __u16 msg_src_port;
    union { __u32 user_ip4; __u32 user_ip6[4]; };
    __u16 user_port;
    __u32 protocol;
    __u32 compartment_id;
    __u64 interface_luid;
} bpf_sock_addr_t;

typedef struct bpf_sock_ops_ {
    __u32 op;
    __u32 family;
    union { __u32 local_ip4; __u32 local_ip6[4]; };
    __u32 local_port;
    union { __u32 remote_ip4; __u32 remote_ip6[4]; };
    __u32 remote_port;
    __u8 protocol;
    __u32 compartment_id;
    __u64 interface_luid;
} bpf_sock_ops_t;

typedef struct {
    __u32 version;
    __u32 interface_type;
    __u32 tunnel_type;
    __u64 next_hop_interface_luid;
    __u32 sub_interface_index;
} bpf_sock_addr_network_context_t;

/* eBPF for Windows ids: general helpers below 0xFFFF, each hook's own from 0x10000. */
static void *(*win_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*win_map_update_elem)(void *map, const void *key, const void *value,
                                   __u64 flags) = (void *)2;
static long (*win_redirect_map)(void *map, __u64 key, __u64 flags) = (void *)35;
static int (*win_xdp_adjust_head)(xdp_md_t *ctx, int delta) = (void *)0x10000;
static int (*win_sock_addr_get_network_context)(bpf_sock_addr_t *ctx, void *data,
                                                __u32 size) = (void *)0x10002;
static __u64 (*win_sock_ops_get_flow_id)(bpf_sock_ops_t *ctx) = (void *)0x10000;

/* Windows map type numbers: 1 hash, 2 array, 16 xskmap. */
struct {
    __uint(type, 16);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} xsks SEC(".maps");

struct {
    __uint(type, 1);
    __uint(max_entries, 1024);
    __type(key, __u32);
    __type(value, __u64);
} flows SEC(".maps");

struct {
    __uint(type, 2);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u64);
} strips SEC(".maps");

#define XDP_PASS 1
#define XDP_DROP 2

/* Strips a 4-byte tag after the Ethernet addresses (moving the packet start), then hands
 * IPv6 frames to an AF_XDP socket. */
SEC("xdp")
int strip_tag(xdp_md_t *ctx)
{
    __u8 *data = ctx->data;
    if ((void *)(data + 18) > ctx->data_end)
        return XDP_DROP;
    if (data[12] == 0x81 && data[13] == 0x00) {
        __u8 macs[12];
        __builtin_memcpy(macs, data, 12);
        if (win_xdp_adjust_head(ctx, 4) < 0)
            return XDP_DROP;
        data = ctx->data;
        if ((void *)(data + 14) > ctx->data_end)
            return XDP_DROP;
        __builtin_memcpy(data, macs, 12);
        __u32 key = 0;
        __u64 *count = win_map_lookup_elem(&strips, &key);
        if (count)
            __sync_fetch_and_add(count, 1);
    }
    if (data[12] == 0x86 && data[13] == 0xdd)
        return (int)win_redirect_map(&xsks, ctx->ingress_ifindex & 3, XDP_PASS);
    return XDP_PASS;
}

/* Records the WFP flow id of every established connection by local port. */
SEC("sockops")
int record_flow(bpf_sock_ops_t *ctx)
{
    if (ctx->op > 1)
        return 0;
    __u32 port = ctx->local_port;
    __u64 flow = win_sock_ops_get_flow_id(ctx);
    win_map_update_elem(&flows, &port, &flow, 0);
    return 0;
}

/* Sends port 8080 connections to port 80, and rejects connections over a tunnel. */
SEC("cgroup/connect4")
int redirect_connect4(bpf_sock_addr_t *ctx)
{
    bpf_sock_addr_network_context_t net = {};
    if (win_sock_addr_get_network_context(ctx, &net, sizeof(net)) == 0 && net.tunnel_type != 0)
        return 0;
    if (ctx->user_port == __builtin_bswap16(8080))
        ctx->user_port = __builtin_bswap16(80);
    return 1;
}

char LICENSE[] SEC("license") = "MIT";
