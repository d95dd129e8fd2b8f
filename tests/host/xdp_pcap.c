/* The packet-capture runner's test program (`ebpf run xdp_pcap.o --pcap`, cli/tests/pcap.rs):
 * the byte after the Ethernet header, the "action" byte, picks what happens to a frame, so a
 * test knows every packet's verdict and output bytes:
 *   0: XDP_PASS, with the low byte of ingress_ifindex written over the action byte's successor;
 *   1: XDP_DROP;
 *   2: XDP_TX with the Ethernet source and destination addresses swapped;
 *   3: XDP_PASS with 4 bytes, de ad be ef, pushed in front (bpf_xdp_adjust_head -4);
 *   4: XDP_PASS with the Ethernet header taken off (bpf_xdp_adjust_head +14);
 *   5: XDP_REDIRECT to interface 7 (bpf_redirect);
 *   6: XDP_ABORTED;
 *   other: 7, a value XDP names not.
 * Frames shorter than 16 bytes drop. `per_ifindex` counts frames by ingress_ifindex (0..7).
 * `tc_pass`, a traffic-control classifier, is what --pcap refuses to run. */
#include "common.h"

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} per_ifindex SEC(".maps");

SEC("xdp")
int xdp_pcap(struct xdp_md *ctx)
{
    __u32 ifindex = ctx->ingress_ifindex;
    __u64 *n = bpf_map_lookup_elem(&per_ifindex, &ifindex);
    if (n)
        __sync_fetch_and_add(n, 1);

    unsigned char *data = (void *)(long)ctx->data;
    unsigned char *data_end = (void *)(long)ctx->data_end;
    if (data + 16 > data_end)
        return XDP_DROP;
    unsigned char tmp[6];
    switch (data[14]) {
    case 0:
        data[15] = (unsigned char)ifindex;
        return XDP_PASS;
    case 1:
        return XDP_DROP;
    case 2:
        __builtin_memcpy(tmp, data, 6);
        __builtin_memcpy(data, data + 6, 6);
        __builtin_memcpy(data + 6, tmp, 6);
        return XDP_TX;
    case 3:
        if (bpf_xdp_adjust_head(ctx, -4))
            return XDP_ABORTED;
        data = (void *)(long)ctx->data;
        data_end = (void *)(long)ctx->data_end;
        if (data + 4 > data_end)
            return XDP_ABORTED;
        data[0] = 0xde;
        data[1] = 0xad;
        data[2] = 0xbe;
        data[3] = 0xef;
        return XDP_PASS;
    case 4:
        if (bpf_xdp_adjust_head(ctx, 14))
            return XDP_ABORTED;
        return XDP_PASS;
    case 5:
        return bpf_redirect(7, 0);
    case 6:
        return XDP_ABORTED;
    default:
        return 7;
    }
}

SEC("tc")
int tc_pass(struct __sk_buff *skb)
{
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
