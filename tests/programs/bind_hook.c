/* An eBPF for Windows style bind hook (section "bind") with its own minimal context struct:
 * denies binds from a process id listed in a BTF hash map. */
#include "common.h"

typedef enum { BIND_OPERATION_BIND, BIND_OPERATION_POST_BIND, BIND_OPERATION_UNBIND } bind_operation_t;
typedef enum { BIND_PERMIT, BIND_DENY, BIND_REDIRECT } bind_action_t;

typedef struct _bind_md {
    __u8 *app_id_start;
    __u8 *app_id_end;
    __u64 process_id;
    __u8 socket_address[16];
    __u8 socket_address_length;
    bind_operation_t operation;
    __u8 protocol;
} bind_md_t;

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u64);
    __type(value, __u32);
} denied_pids SEC(".maps");

SEC("bind")
bind_action_t authorize_bind(bind_md_t *ctx)
{
    if (ctx->operation != BIND_OPERATION_BIND)
        return BIND_PERMIT;
    __u64 pid = ctx->process_id;
    __u32 *denied = bpf_map_lookup_elem(&denied_pids, &pid);
    return denied && *denied ? BIND_DENY : BIND_PERMIT;
}

char LICENSE[] SEC("license") = "MIT";
