/* Programs for the Linux socket-filter and tc hook tests (kernel-host/tests/hooks_skb.rs) and
 * the Linux differential test: a socket filter with legacy packet loads (its packet starts at
 * the network header) and tc classifiers with direct packet access over __sk_buff. */
#include "common.h"
#include <linux/pkt_cls.h>

unsigned long long load_byte(void *skb, unsigned long long off) asm("llvm.bpf.load.byte");
unsigned long long load_half(void *skb, unsigned long long off) asm("llvm.bpf.load.half");

/* Keeps IPv4 UDP to port 53 whole, trims other IPv4 UDP to 28 bytes, drops the rest. */
SEC("socket")
int udp_filter(struct __sk_buff *skb)
{
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return 0;
    if (load_byte(skb, 9) != IPPROTO_UDP)
        return 0;
    __u32 ihl = (load_byte(skb, 0) & 0xf) * 4;
    if (load_half(skb, ihl + 2) == 53)
        return skb->len;
    return 28;
}

/* Keeps `len - 1` bytes, one more from an interface above 1000 (reads pkt_type, ifindex). */
SEC("socket")
int fields_filter(struct __sk_buff *skb)
{
    return skb->len - 1 + skb->pkt_type * 0 + (skb->ifindex > 1000 ? 1 : 0);
}

/* Drops IPv4 from 10.0.0.0/8, redirects UDP to port 7 out of ifindex + 1, marks the rest
 * with len + 1000 * ifindex, copies the TOS into priority, rewrites the TOS to 0x10 and
 * passes. Non-IPv4 frames pass untouched; short frames drop. */
SEC("tc")
int classify(struct __sk_buff *skb)
{
    void *data = (void *)(long)skb->data;
    void *data_end = (void *)(long)skb->data_end;
    struct ethhdr *eth = data;
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(eth + 1) > data_end)
        return TC_ACT_SHOT;
    if (skb->protocol != bpf_htons(ETH_P_IP))
        return TC_ACT_OK;
    if ((void *)(ip + 1) > data_end)
        return TC_ACT_SHOT;
    if ((bpf_ntohl(ip->saddr) >> 24) == 10)
        return TC_ACT_SHOT;
    struct udphdr *udp = (void *)(ip + 1);
    if (ip->protocol == IPPROTO_UDP && (void *)(udp + 1) <= data_end &&
        udp->dest == bpf_htons(7))
        return bpf_redirect(skb->ifindex + 1, 0);
    skb->mark = skb->len + 1000 * skb->ifindex;
    skb->priority = ip->tos;
    ip->tos = 0x10;
    return TC_ACT_OK;
}

/* Counts in cb[0] and lets the next program decide (TCX_NEXT). */
SEC("tc")
int next(struct __sk_buff *skb)
{
    skb->cb[0] += 1;
    skb->mark = skb->cb[0];
    return -1;
}

char LICENSE[] SEC("license") = "GPL";
