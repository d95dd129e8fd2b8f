/* The socket of a packet: a tc classifier reads skb->sk (a socket or null, holding no
 * reference), makes it a full socket with bpf_sk_fullsock and a TCP one with bpf_tcp_sock,
 * and reads their fields without releasing anything (safe); a second classifier releases
 * skb->sk, which the program does not own (unsafe). On a host without kernel sockets skb->sk
 * is null: the first program then marks the packet 0x5c and passes it. */
#include <linux/types.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

#define TCP_LISTEN 10

SEC("tc")
int skb_sk_state(struct __sk_buff *skb)
{
    struct bpf_sock *sk = skb->sk;
    if (!sk) {
        skb->mark = 0x5c;
        return TC_ACT_OK;
    }
    sk = bpf_sk_fullsock(sk);
    if (!sk)
        return TC_ACT_OK;
    struct bpf_tcp_sock *tp = bpf_tcp_sock(sk);
    if (!tp)
        return TC_ACT_OK;
    return sk->state == TCP_LISTEN && tp->snd_cwnd > 10 ? TC_ACT_SHOT : TC_ACT_OK;
}

SEC("tc")
int skb_sk_release(struct __sk_buff *skb)
{
    struct bpf_sock *sk = skb->sk;
    if (!sk)
        return TC_ACT_OK;
    bpf_sk_release(sk);
    return TC_ACT_OK;
}

char _license[] SEC("license") = "GPL";
