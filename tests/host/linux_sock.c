/* Linux cgroup socket-address programs for the execution context (struct bpf_sock_addr, return
 * 1 allow / 0 reject, user_ip4/user_port rewrites change the call's address). */
#include "common.h"

struct endpoint4 {
    __u32 ip;
    __u32 port;
};

/* Destination -> where connect() goes instead. */
struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 16);
    __type(key, struct endpoint4);
    __type(value, struct endpoint4);
} connect_map SEC(".maps");

/* [0] = the last caller's pid_tgid, [1] its uid_gid, [2] the socket cookie. */
struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);
    __type(value, __u64);
} callers SEC(".maps");

static __always_inline void record(struct bpf_sock_addr *ctx)
{
    __u32 k = 0;
    __u64 v = bpf_get_current_pid_tgid();
    bpf_map_update_elem(&callers, &k, &v, BPF_ANY);
    k = 1;
    v = bpf_get_current_uid_gid();
    bpf_map_update_elem(&callers, &k, &v, BPF_ANY);
    k = 2;
    v = bpf_get_socket_cookie(ctx);
    bpf_map_update_elem(&callers, &k, &v, BPF_ANY);
}

/* Rejects port 25; rewrites destinations found in connect_map. */
SEC("cgroup/connect4")
int linux_connect4(struct bpf_sock_addr *ctx)
{
    record(ctx);
    if (ctx->user_port == bpf_htons(25))
        return 0;
    struct endpoint4 key = {.ip = ctx->user_ip4, .port = ctx->user_port};
    struct endpoint4 *to = bpf_map_lookup_elem(&connect_map, &key);
    if (to) {
        ctx->user_ip4 = to->ip;
        ctx->user_port = to->port;
    }
    return 1;
}

/* Runs after linux_connect4 on the same hook: sees its rewrite, adds 1 to the port. */
SEC("cgroup/connect4")
int linux_connect4_bump(struct bpf_sock_addr *ctx)
{
    if (ctx->user_port == bpf_htons(8080))
        ctx->user_port = bpf_htons(8081);
    return 1;
}

/* [2001:db8::1]:80 -> port 8443; other ports kept. */
SEC("cgroup/connect6")
int linux_connect6(struct bpf_sock_addr *ctx)
{
    if (ctx->user_ip6[3] == bpf_htonl(1) && ctx->user_port == bpf_htons(80))
        ctx->user_port = bpf_htons(8443);
    return 1;
}

/* Non-root users may not bind ports below 1024; binds to 0.0.0.0:5000 go to 127.0.0.1:5000. */
SEC("cgroup/bind4")
int linux_bind4(struct bpf_sock_addr *ctx)
{
    __u32 uid = (__u32)bpf_get_current_uid_gid();
    if (uid != 0 && bpf_ntohs(ctx->user_port) < 1024)
        return 0;
    if (ctx->user_ip4 == 0 && ctx->user_port == bpf_htons(5000))
        ctx->user_ip4 = bpf_htonl(0x7f000001);
    return 1;
}

/* UDP binds over IPv6 are refused. */
SEC("cgroup/bind6")
int linux_bind6(struct bpf_sock_addr *ctx)
{
    return ctx->type == 2 /* SOCK_DGRAM */ ? 0 : 1;
}

char LICENSE[] SEC("license") = "GPL";
