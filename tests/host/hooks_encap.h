/* IP-in-IP encapsulation shared by the Linux and Windows hook tests: after the program moved the
 * packet's head 20 bytes down, copies the Ethernet header to the new front and writes an outer
 * IPv4 header (10.0.0.1 -> 10.0.0.2, protocol 4, TTL 64, DF, id 0) with its checksum in front
 * of the original IPv4 packet. Returns 0, or -1 when the packet is too short. */
#ifndef HOOKS_ENCAP_H
#define HOOKS_ENCAP_H

static __always_inline int write_outer(void *data, void *data_end)
{
    struct ethhdr *eth = data;
    struct ethhdr *old_eth = data + 20;
    struct iphdr *outer = (void *)(eth + 1);
    struct iphdr *inner = (void *)(old_eth + 1);
    if ((void *)(inner + 1) > data_end)
        return -1;
    __builtin_memmove(eth, old_eth, sizeof(*eth));
    __u16 inner_len = bpf_ntohs(inner->tot_len);
    outer->version = 4;
    outer->ihl = 5;
    outer->tos = 0;
    outer->tot_len = bpf_htons(inner_len + 20);
    outer->id = 0;
    outer->frag_off = bpf_htons(0x4000);
    outer->ttl = 64;
    outer->protocol = 4;
    outer->check = 0;
    outer->saddr = bpf_htonl(0x0a000001);
    outer->daddr = bpf_htonl(0x0a000002);
    __u16 *w = (__u16 *)outer;
    __u32 sum = 0;
#pragma unroll
    for (int i = 0; i < 10; i++)
        sum += w[i];
    sum = (sum & 0xffff) + (sum >> 16);
    sum = (sum & 0xffff) + (sum >> 16);
    outer->check = ~sum;
    return 0;
}

/* Appends `tag` to the list in the packet: byte 42 counts the tags, the tags follow it. */
static __always_inline void add_tag(void *data, void *data_end, __u8 tag)
{
    __u8 *count = data + 42;
    if ((void *)(count + 1) > data_end)
        return;
    __u8 n = *count & 15;
    __u8 *slot = count + 1 + n;
    if ((void *)(slot + 1) > data_end)
        return;
    *slot = tag;
    *count = n + 1;
}
#endif
