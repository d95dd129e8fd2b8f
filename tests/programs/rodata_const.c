/* A compile-time constant in .rodata read at run time (volatile keeps the load), plus a
 * read-only lookup table indexed by packet data. */
#include "common.h"

const volatile __u32 max_len = 1514;
const __u8 verdict_table[4] = { XDP_PASS, XDP_DROP, XDP_PASS, XDP_TX };

SEC("xdp")
int xdp_rodata(struct xdp_md *ctx)
{
    __u32 len = ctx->data_end - ctx->data;
    if (len > max_len)
        return XDP_DROP;
    return verdict_table[len & 3];
}

char LICENSE[] SEC("license") = "GPL";
