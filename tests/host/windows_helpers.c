/* eBPF for Windows general helpers 19-21, 26, 33-35 (ids of include/bpf_helper_defs.h),
 * loaded with --platform windows. win_task stores what 19, 20, 21, 33 and 34 return; 26 and 35
 * have no implementation in eBPF for Windows' core (only a program type's override), so a
 * program calling either fails to load there and here. */
#include <linux/types.h>

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

typedef struct xdp_md {
    void *data;
    void *data_end;
    __u64 data_meta;
    __u32 ingress_ifindex;
} xdp_md_t;

enum { XDP_PASS = 1, ARRAY = 2 };

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static __u64 (*bpf_get_current_pid_tgid)(void) = (void *)19;
static __u64 (*bpf_get_current_logon_id)(const void *ctx) = (void *)20;
static __s32 (*bpf_is_current_admin)(const void *ctx) = (void *)21;
static __u64 (*bpf_get_socket_cookie)(void *ctx) = (void *)26;
static __u64 (*bpf_get_current_process_start_key)(void) = (void *)33;
static __s64 (*bpf_get_current_thread_create_time)(void) = (void *)34;
static long (*bpf_redirect_map)(void *map, __u32 key, __u64 flags) = (void *)35;

struct task {
    __u64 pid_tgid;
    __u64 logon_id;
    __s64 is_admin;
    __u64 process_start_key;
    __s64 thread_create_time;
    __u64 admin_is_minus_one; /* the int32 result compared with -1 in 32 bits */
};

struct {
    __uint(type, ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct task);
} task SEC(".maps");

SEC("xdp")
int win_task(xdp_md_t *ctx)
{
    __u32 zero = 0;
    struct task *t = bpf_map_lookup_elem(&task, &zero);
    if (!t)
        return 0;
    t->pid_tgid = bpf_get_current_pid_tgid();
    t->logon_id = bpf_get_current_logon_id(ctx);
    __s32 admin = bpf_is_current_admin(ctx);
    t->is_admin = admin;
    t->admin_is_minus_one = admin == -1;
    t->process_start_key = bpf_get_current_process_start_key();
    t->thread_create_time = bpf_get_current_thread_create_time();
    return XDP_PASS;
}

SEC("xdp")
int win_cookie(xdp_md_t *ctx)
{
    return bpf_get_socket_cookie(ctx) ? XDP_PASS : 0;
}

SEC("xdp")
int win_redirect_map(xdp_md_t *ctx)
{
    return bpf_redirect_map(&task, 0, 0);
}

char LICENSE[] SEC("license") = "MIT";
