/* Linux helpers the XDP hook uses, one program each; every return value is exact on any
 * host (no clock or random value reaches it unfiltered). */
#include "common.h"

/* Pops the Ethernet header with bpf_xdp_adjust_head(+14), then pushes 4 bytes back
 * (adjust_head(-4)) and writes 0xdeadbeef there; trims 2 bytes off the tail. Returns the new
 * length, or 1 when a step fails (a frame shorter than 16 bytes). */
SEC("xdp")
int xdp_adjust(struct xdp_md *ctx)
{
    if (bpf_xdp_adjust_head(ctx, ETH_HLEN))
        return 1;
    if (bpf_xdp_adjust_head(ctx, -4))
        return 1;
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    if (data + 4 > data_end)
        return 1;
    *(__u32 *)data = bpf_htonl(0xdeadbeef);
    if (bpf_xdp_adjust_tail(ctx, -2))
        return 1;
    return (long)ctx->data_end - (long)ctx->data;
}

/* The IPv4 header checksum of the frame's first 20 bytes after Ethernet, recomputed with
 * bpf_csum_diff and folded; returns 0 when the header's checksum is right. */
SEC("xdp")
int xdp_csum(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    if (data + ETH_HLEN + 20 > data_end)
        return XDP_ABORTED;
    __s64 sum = bpf_csum_diff(0, 0, data + ETH_HLEN, 20, 0);
    if (sum < 0)
        return XDP_ABORTED;
    __u32 s = sum;
    s = (s & 0xffff) + (s >> 16);
    s = (s & 0xffff) + (s >> 16);
    return (~s) & 0xffff;
}

/* Monotonic clocks never go backwards, the CPU index is below the CPU count, two random
 * numbers are not both zero: returns 7 when all hold. */
SEC("xdp")
int xdp_clocks(struct xdp_md *ctx)
{
    __u64 a = bpf_ktime_get_ns();
    __u64 b = bpf_ktime_get_ns();
    __u64 c = bpf_ktime_get_boot_ns();
    int ok = 0;
    if (b >= a)
        ok |= 1;
    if (c > 0)
        ok |= 2;
    if (bpf_get_prandom_u32() | bpf_get_prandom_u32())
        ok |= 4;
    if (bpf_get_smp_processor_id() >= 4096)
        ok = 0;
    return ok;
}

/* Prints the packet length; returns the number of bytes bpf_trace_printk wrote (> 0). */
SEC("xdp")
int xdp_printk(struct xdp_md *ctx)
{
    char fmt[] = "len %d\n";
    long n = bpf_trace_printk(fmt, sizeof(fmt), (int)(ctx->data_end - ctx->data));
    return n > 0 ? 1 : 0;
}

struct {
    __uint(type, BPF_MAP_TYPE_DEVMAP);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} devices SEC(".maps");

/* Redirects to interface 3 when the first byte is 0, through the devmap slot 1 otherwise. */
SEC("xdp")
int xdp_redirect(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    if (data + 1 > data_end)
        return XDP_ABORTED;
    if (*(__u8 *)data == 0)
        return bpf_redirect(3, 0);
    return bpf_redirect_map(&devices, 1, XDP_PASS);
}

char LICENSE[] SEC("license") = "GPL";
