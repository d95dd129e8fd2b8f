/* An eBPF for Windows bind program for the driver simulation (driver/sim): bind_md_t as in
 * include/ebpf_nethooks.h, map type numbers of include/ebpf_structs.h, helper ids of
 * include/bpf_helper_defs.h.
 *
 * Binds to port 23 are denied, binds by process 4 are permitted hard, binds whose app id
 * starts with "deny" are denied, everything else is permitted; unbinds are permitted without
 * a count. Each decision counts in `actions` (index = bind_action_t) and each process's
 * binds in `per_process`. */
typedef unsigned char __u8;
typedef unsigned short __u16;
typedef unsigned int __u32;
typedef unsigned long long __u64;

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

enum { BIND_PERMIT = 0, BIND_DENY = 1, BIND_REDIRECT = 2, BIND_PERMIT_HARD = 3 };
enum { BIND_OPERATION_BIND = 0, BIND_OPERATION_POST_BIND = 1, BIND_OPERATION_UNBIND = 2 };
enum { HASH = 1, ARRAY = 2 };

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
                                   __u64 flags) = (void *)2;

struct {
    __uint(type, ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} actions SEC(".maps");

struct {
    __uint(type, HASH);
    __uint(max_entries, 64);
    __type(key, __u64);
    __type(value, __u64);
} per_process SEC(".maps");

static __attribute__((always_inline)) int count(bind_md_t *ctx, int action)
{
    __u32 key = action;
    __u64 *n = bpf_map_lookup_elem(&actions, &key);
    if (n)
        __sync_fetch_and_add(n, 1);
    __u64 pid = ctx->process_id;
    __u64 one = 1;
    __u64 *seen = bpf_map_lookup_elem(&per_process, &pid);
    if (seen)
        __sync_fetch_and_add(seen, 1);
    else
        bpf_map_update_elem(&per_process, &pid, &one, 0);
    return action;
}

SEC("bind")
int sim_bind(bind_md_t *ctx)
{
    if (ctx->operation == BIND_OPERATION_UNBIND)
        return BIND_PERMIT;
    /* SOCKADDR_IN: family (2 bytes), then the port in network order. */
    __u16 port = (__u16)(ctx->socket_address[2] << 8 | ctx->socket_address[3]);
    if (port == 23)
        return count(ctx, BIND_DENY);
    if (ctx->process_id == 4)
        return count(ctx, BIND_PERMIT_HARD);
    __u8 *app = ctx->app_id_start;
    if (app + 4 <= ctx->app_id_end && app[0] == 'd' && app[1] == 'e' && app[2] == 'n' &&
        app[3] == 'y')
        return count(ctx, BIND_DENY);
    return count(ctx, BIND_PERMIT);
}

char LICENSE[] SEC("license") = "MIT";
