/* Calls a function that no object defines: loading must fail naming the symbol. */
#include "common.h"

extern int not_defined_anywhere(int x);

SEC("xdp")
int xdp_extern(struct xdp_md *ctx)
{
    return not_defined_anywhere(ctx->ingress_ifindex) ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
