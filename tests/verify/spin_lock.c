/* Spin locks in hash and array values: the lock is taken, the counter changed and the lock
 * released (accepted); one program returns with the lock held on one path (rejected). */
#include <linux/types.h>
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

struct counter {
    __u64 count;
    struct bpf_spin_lock lock;
    __u32 pad;
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 64);
    __type(key, __u32);
    __type(value, struct counter);
} counters SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct counter);
} total SEC(".maps");

SEC("tc")
int locked_count(struct __sk_buff *skb)
{
    __u32 key = skb->ifindex;
    struct counter *c = bpf_map_lookup_elem(&counters, &key);
    if (!c)
        return 0;
    bpf_spin_lock(&c->lock);
    c->count++;
    bpf_spin_unlock(&c->lock);
    return 0;
}

SEC("tc")
int locked_total(struct __sk_buff *skb)
{
    __u32 key = 0;
    struct counter *c = bpf_map_lookup_elem(&total, &key);
    if (!c)
        return 0;
    bpf_spin_lock(&c->lock);
    if (c->count > 1000)
        c->count = 0;
    else
        c->count += skb->len;
    bpf_spin_unlock(&c->lock);
    return 0;
}

SEC("tc")
int unlock_missing(struct __sk_buff *skb)
{
    __u32 key = 0;
    struct counter *c = bpf_map_lookup_elem(&total, &key);
    if (!c)
        return 0;
    bpf_spin_lock(&c->lock);
    c->count++;
    if (c->count > 5)
        return 1;
    bpf_spin_unlock(&c->lock);
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
