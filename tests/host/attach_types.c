/* A Linux socket-address program that reads only the fields bpf_sock_addr has at every attach
 * type (user_family, user_port). Its section implies no program type: loaded as
 * cgroup_sock_addr it is verified for no attach type, so it may attach at every
 * cgroup_sock_addr hook (kernel-host/tests/attach_types.rs). */
#include "common.h"

/* Refuses port 25 at any socket-address hook, either family. */
SEC("sock_addr_any")
int any_refuse_port_25(struct bpf_sock_addr *ctx)
{
    if ((ctx->user_family == 2 || ctx->user_family == 10) && ctx->user_port == bpf_htons(25))
        return 0;
    return 1;
}

char LICENSE[] SEC("license") = "GPL";
