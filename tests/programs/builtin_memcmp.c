/* memcmp of a variable size: clang-19 expands memcpy, memmove and memset of constant sizes
 * and refuses variable ones, but leaves every memcmp it does not expand (a variable size, or
 * more than its 128 loads) as a call of the undefined `memcmp`, with default flags. The loader
 * resolves it to the platform's memcmp builtin. */
#include "common.h"

SEC("xdp")
int xdp_prefix_match(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
    char want[32];
    __builtin_memset(want, 'a', sizeof(want));
    if (data + sizeof(want) > end)
        return XDP_PASS;
    /* Compare as many bytes as the first byte says, at most 32. */
    __u64 n = *(__u8 *)data & 31;
    return __builtin_memcmp(data, want, n) == 0 ? XDP_DROP : XDP_PASS;
}

char LICENSE[] SEC("license") = "GPL";
