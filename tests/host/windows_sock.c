/* eBPF for Windows socket-hook programs for the execution context, loaded with --platform windows:
 * bind_md_t, bpf_sock_addr_t and bpf_sock_ops_t as include/ebpf_nethooks.h lays them out, the
 * general helper ids of include/bpf_helper_defs.h, the hook helpers from 0x10000, the map type
 * numbers of include/ebpf_structs.h and the verdicts of bind_action_t and
 * ebpf_sock_addr_verdict_t. Only Linux's UAPI types header is included. */
#include <linux/types.h>

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

typedef struct bind_md {
    __u8 *app_id_start;
    __u8 *app_id_end;
    __u64 process_id;
    __u8 socket_address[16];
    __u8 socket_address_length;
    __u32 operation;
    __u8 protocol;
} bind_md_t;

typedef struct bpf_sock_addr {
    __u32 family;
    union {
        __u32 msg_src_ip4;
        __u32 msg_src_ip6[4];
    };
    __u16 msg_src_port;
    union {
        __u32 user_ip4;
        __u32 user_ip6[4];
    };
    __u16 user_port;
    __u32 protocol;
    __u32 compartment_id;
    __u64 interface_luid;
} bpf_sock_addr_t;

typedef struct bpf_sock_ops {
    __u32 op;
    __u32 family;
    union {
        __u32 local_ip4;
        __u32 local_ip6[4];
    };
    __u32 local_port;
    union {
        __u32 remote_ip4;
        __u32 remote_ip6[4];
    };
    __u32 remote_port;
    __u8 protocol;
    __u32 compartment_id;
    __u64 interface_luid;
} bpf_sock_ops_t;

typedef struct bpf_sock_addr_network_context {
    __u32 version;
    __u32 interface_type;
    __u32 tunnel_type;
    __u64 next_hop_interface_luid;
    __u32 sub_interface_index;
} bpf_sock_addr_network_context_t;

enum { BIND_PERMIT_SOFT = 0, BIND_DENY = 1, BIND_REDIRECT = 2, BIND_PERMIT_HARD = 3 };
enum { REJECT = 0, PROCEED_SOFT = 1, PROCEED_HARD = 2 };
enum { OPS_ACTIVE = 0, OPS_PASSIVE = 1, OPS_DELETED = 2 };
enum { HASH = 1, ARRAY = 2, QUEUE = 10 };

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
                                   __u64 flags) = (void *)2;
static long (*bpf_map_delete_elem)(void *map, const void *key) = (void *)3;
static long (*bpf_map_push_elem)(void *map, const void *value, __u64 flags) = (void *)16;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)19;
static __u64 (*bpf_get_current_logon_id)(void *ctx) = (void *)20;
static __s32 (*bpf_is_current_admin)(void *ctx) = (void *)21;
static __u64 (*bpf_get_socket_cookie)(void *ctx) = (void *)26;
static __u64 (*bpf_sock_ops_get_flow_id)(bpf_sock_ops_t *ctx) = (void *)0x10000;
static int (*bpf_sock_addr_set_redirect_context)(bpf_sock_addr_t *ctx, void *data,
                                                 __u32 size) = (void *)0x10001;
static int (*bpf_sock_addr_get_network_context)(bpf_sock_addr_t *ctx, void *out,
                                                __u32 size) = (void *)0x10002;

static __attribute__((always_inline)) void bump(void *map, __u32 key)
{
    __u64 *n = bpf_map_lookup_elem(map, &key);
    if (n)
        __sync_fetch_and_add(n, 1);
}

/* ---- bind ---- */

struct port_range {
    __u16 low;
    __u16 high;
};

/* Process id -> the ports it may not bind. */
struct {
    __uint(type, HASH);
    __uint(max_entries, 16);
    __type(key, __u64);
    __type(value, struct port_range);
} denied_ports SEC(".maps");

/* Index = the verdict returned. */
struct {
    __uint(type, ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} bind_verdicts SEC(".maps");

static __attribute__((always_inline)) int bind_verdict(int v)
{
    bump(&bind_verdicts, v);
    return v;
}

/* Denies a process's binds to its port range; denies applications whose id starts "deny";
 * redirects binds to port 7777 to 7778; process 666 returns 9 (not a verdict: denied). */
SEC("bind")
int bind_policy(bind_md_t *ctx)
{
    __u8 *app = ctx->app_id_start;
    if (app + 4 <= ctx->app_id_end && app[0] == 'd' && app[1] == 'e' && app[2] == 'n' &&
        app[3] == 'y')
        return bind_verdict(BIND_DENY);
    if (ctx->process_id == 666)
        return bind_verdict(9);
    __u16 port = ((__u16)ctx->socket_address[2] << 8) | ctx->socket_address[3];
    __u64 pid = ctx->process_id;
    struct port_range *r = bpf_map_lookup_elem(&denied_ports, &pid);
    if (r && port >= r->low && port <= r->high)
        return bind_verdict(BIND_DENY);
    if (port == 7777) {
        ctx->socket_address[3] = 7778 & 0xff;
        return bind_verdict(BIND_REDIRECT);
    }
    if (ctx->protocol == 17)
        return bind_verdict(BIND_PERMIT_HARD);
    return bind_verdict(BIND_PERMIT_SOFT);
}

/* ---- connect redirect ---- */

struct endpoint4 {
    __u32 ip;
    __u16 port;
    __u16 pad;
};

/* Destination -> where to send it instead. */
struct {
    __uint(type, HASH);
    __uint(max_entries, 16);
    __type(key, struct endpoint4);
    __type(value, struct endpoint4);
} redirects SEC(".maps");

struct seen {
    __u64 pid_tgid;
    __u64 logon_id;
    __u64 cookie;
    __s64 network_rc;
    __u32 interface_type;
    __u32 sub_interface_index;
    __u32 compartment_id;
    __s32 admin;
    __u32 msg_src_ip4;
    __u32 msg_src_port;
};

struct {
    __uint(type, ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct seen);
} last_connect SEC(".maps");

/* Records what the helpers tell, then redirects destinations found in `redirects`, with a
 * redirect context; rejects port 25; proceeds softly otherwise. */
SEC("cgroup/connect4")
int connect_redirect(bpf_sock_addr_t *ctx)
{
    __u32 zero = 0;
    struct seen *s = bpf_map_lookup_elem(&last_connect, &zero);
    if (s) {
        bpf_sock_addr_network_context_t nc = {};
        s->pid_tgid = bpf_get_current_pid_tgid();
        s->logon_id = bpf_get_current_logon_id(ctx);
        s->cookie = bpf_get_socket_cookie(ctx);
        s->admin = bpf_is_current_admin(ctx);
        s->network_rc = bpf_sock_addr_get_network_context(ctx, &nc, sizeof(nc));
        s->interface_type = nc.interface_type;
        s->sub_interface_index = nc.sub_interface_index;
        s->compartment_id = ctx->compartment_id;
        s->msg_src_ip4 = ctx->msg_src_ip4;
        s->msg_src_port = ctx->msg_src_port;
    }
    if (ctx->user_port == __builtin_bswap16(25))
        return REJECT;
    struct endpoint4 key = {.ip = ctx->user_ip4, .port = ctx->user_port};
    struct endpoint4 *to = bpf_map_lookup_elem(&redirects, &key);
    if (to) {
        char tag[8] = "proxy-1";
        bpf_sock_addr_set_redirect_context(ctx, tag, sizeof(tag));
        ctx->user_ip4 = to->ip;
        ctx->user_port = to->port;
    }
    return PROCEED_SOFT;
}

/* IPv6: [2001:db8::1]:80 goes to [2001:db8::2]:8080. */
SEC("cgroup/connect6")
int connect6_redirect(bpf_sock_addr_t *ctx)
{
    if (ctx->user_ip6[0] == __builtin_bswap32(0x20010db8) && ctx->user_ip6[1] == 0 &&
        ctx->user_ip6[2] == 0 && ctx->user_ip6[3] == __builtin_bswap32(1) &&
        ctx->user_port == __builtin_bswap16(80)) {
        ctx->user_ip6[3] = __builtin_bswap32(2);
        ctx->user_port = __builtin_bswap16(8080);
    }
    return PROCEED_HARD;
}

/* ---- recv_accept filter ---- */

/* Remote IPv4 addresses refused. */
struct {
    __uint(type, HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u32);
} blocked_peers SEC(".maps");

/* Index = verdict. */
struct {
    __uint(type, ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);
    __type(value, __u64);
} accept_verdicts SEC(".maps");

/* Rejects blocked peers (msg_src at recv_accept), proceeds hard to local port 22. */
SEC("cgroup/recv_accept4")
int accept_filter(bpf_sock_addr_t *ctx)
{
    __u32 peer = ctx->msg_src_ip4;
    int v = PROCEED_SOFT;
    if (bpf_map_lookup_elem(&blocked_peers, &peer))
        v = REJECT;
    else if (ctx->user_port == __builtin_bswap16(22))
        v = PROCEED_HARD;
    bump(&accept_verdicts, v);
    return v;
}

/* ---- several programs on one hook ---- */

/* Index = program tag: how many times each ran. */
struct {
    __uint(type, ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} runs SEC(".maps");

/* The tags of the programs that ran, in order. */
struct {
    __uint(type, QUEUE);
    __uint(max_entries, 64);
    __type(value, __u32);
} order SEC(".maps");

/* Index = tag: the verdict that program returns. */
struct {
    __uint(type, ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} verdict_of SEC(".maps");

/* The destination port each tag's program saw (network order). */
struct {
    __uint(type, ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u32);
} port_seen SEC(".maps");

static __attribute__((always_inline)) int tagged(bpf_sock_addr_t *ctx, __u32 tag)
{
    bump(&runs, tag);
    bpf_map_push_elem(&order, &tag, 0);
    __u32 port = ctx->user_port;
    bpf_map_update_elem(&port_seen, &tag, &port, 0);
    __u32 *v = bpf_map_lookup_elem(&verdict_of, &tag);
    return v ? *v : PROCEED_SOFT;
}

SEC("cgroup/connect4")
int tag1(bpf_sock_addr_t *ctx) { return tagged(ctx, 1); }

SEC("cgroup/connect4")
int tag2(bpf_sock_addr_t *ctx) { return tagged(ctx, 2); }

SEC("cgroup/connect4")
int tag3(bpf_sock_addr_t *ctx) { return tagged(ctx, 3); }

/* Rewrites the port (to 9999) as well as returning its verdict: a redirect at connect. */
SEC("cgroup/connect4")
int tag4_rewrites(bpf_sock_addr_t *ctx)
{
    int v = tagged(ctx, 4);
    ctx->user_port = __builtin_bswap16(9999);
    return v;
}

/* The same at connect_authorization, where the write is undone. */
SEC("cgroup/connect_authorization4")
int auth_rewrites(bpf_sock_addr_t *ctx)
{
    int v = tagged(ctx, 5);
    ctx->user_port = __builtin_bswap16(9999);
    return v;
}

SEC("cgroup/connect_authorization4")
int auth_tag6(bpf_sock_addr_t *ctx) { return tagged(ctx, 6); }

/* ---- sockops flow counter ---- */

/* Index = op: established (active, passive) and deleted counts. */
struct {
    __uint(type, ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);
    __type(value, __u64);
} flow_events SEC(".maps");

struct flow {
    __u32 local_port;
    __u32 remote_port;
    __u64 pid_tgid;
};

/* Live flows by flow id. */
struct {
    __uint(type, HASH);
    __uint(max_entries, 64);
    __type(key, __u64);
    __type(value, struct flow);
} flows SEC(".maps");

/* Counts established and deleted flows, keeps the live ones by flow id; blocks flows to
 * remote port 6666. */
SEC("sockops")
int flow_counter(bpf_sock_ops_t *ctx)
{
    __u64 id = bpf_sock_ops_get_flow_id(ctx);
    __u32 op = ctx->op;
    if (op > OPS_DELETED)
        return 0;
    bump(&flow_events, op);
    if (op == OPS_DELETED) {
        bpf_map_delete_elem(&flows, &id);
        return 0;
    }
    struct flow f = {
        .local_port = ctx->local_port,
        .remote_port = ctx->remote_port,
        .pid_tgid = bpf_get_current_pid_tgid(),
    };
    bpf_map_update_elem(&flows, &id, &f, 0);
    return ctx->remote_port == __builtin_bswap16(6666) ? 1 : 0;
}
