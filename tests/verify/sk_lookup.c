/* Reference-tracked socket lookups: a tc classifier and an XDP program that look a TCP
 * socket up, read it (and its bpf_tcp_sock view) and release it (safe), and two tc
 * classifiers that get the release wrong (unsafe: one path returns without releasing, one
 * reads the socket after releasing it). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

#define TCP_LISTEN 10

static __always_inline struct bpf_sock *lookup(void *ctx, __u32 daddr)
{
    struct bpf_sock_tuple t = {};
    t.ipv4.daddr = daddr;
    t.ipv4.dport = bpf_htons(80);
    return bpf_sk_lookup_tcp(ctx, &t, sizeof(t.ipv4), BPF_F_CURRENT_NETNS, 0);
}

SEC("tc")
int lookup_release(struct __sk_buff *skb)
{
    struct bpf_sock *sk = lookup(skb, skb->mark);
    if (!sk)
        return TC_ACT_OK;
    __u32 state = sk->state;
    struct bpf_tcp_sock *tp = bpf_tcp_sock(sk);
    __u32 cwnd = tp ? tp->snd_cwnd : 0;
    bpf_sk_release(sk);
    return state == TCP_LISTEN && cwnd ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("xdp")
int xdp_lookup_release(struct xdp_md *ctx)
{
    struct bpf_sock *sk = lookup(ctx, ctx->ingress_ifindex);
    if (!sk)
        return XDP_PASS;
    __u32 family = sk->family;
    bpf_sk_release(sk);
    return family == 2 ? XDP_DROP : XDP_PASS;
}

SEC("tc")
int lookup_leak_on_listen(struct __sk_buff *skb)
{
    struct bpf_sock *sk = lookup(skb, skb->mark);
    if (!sk)
        return TC_ACT_OK;
    if (sk->state == TCP_LISTEN)
        return TC_ACT_SHOT;
    bpf_sk_release(sk);
    return TC_ACT_OK;
}

SEC("tc")
int read_after_release(struct __sk_buff *skb)
{
    struct bpf_sock *sk = lookup(skb, skb->mark);
    if (!sk)
        return TC_ACT_OK;
    bpf_sk_release(sk);
    return sk->family == 2 ? TC_ACT_SHOT : TC_ACT_OK;
}

char LICENSE[] SEC("license") = "GPL";
