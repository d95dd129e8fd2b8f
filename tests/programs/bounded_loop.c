/* A bounded loop (kept as a loop, not unrolled): sums the first bytes of the packet. */
#include "common.h"

SEC("xdp")
int xdp_sum_bytes(struct xdp_md *ctx)
{
    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *data_end = (void *)(long)ctx->data_end;
    __u32 sum = 0;
#pragma clang loop unroll(disable)
    for (int i = 0; i < 64; i++) {
        if (data + i + 1 > data_end)
            break;
        sum += data[i];
    }
    return sum & 1 ? XDP_PASS : XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
