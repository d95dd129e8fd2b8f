/* Calls a function that no object defines: that program cannot be linked (a per-program
 * error naming the symbol), while the object's other program loads and verifies. */
#include "common.h"

extern int not_defined_anywhere(int x);

SEC("xdp")
int xdp_extern(struct xdp_md *ctx)
{
    return not_defined_anywhere(ctx->ingress_ifindex) ? XDP_DROP : XDP_PASS;
}

SEC("xdp")
int xdp_plain(struct xdp_md *ctx)
{
    return ctx->ingress_ifindex == 1 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
