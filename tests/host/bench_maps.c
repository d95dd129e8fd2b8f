/* One program-side operation per run, for the execution-context benchmark: each program does
 * one map operation (or tail call, or ring-buffer output) and returns a result a test can
 * check. The benchmark subtracts `op_none`'s time (the same run without the operation) from
 * each. None reads the packet. The benchmark (or a test) fills the maps first: hash, LRU and
 * array with keys 0..1023 (value = key), the LPM tries with /24 prefixes, the program array's
 * slot 0 with `tail_target` (also set by its initial value, for hosts that read it). */
#include "common.h"

#define ENTRIES 1024
/* The key every lookup and update uses: present once the map is filled. */
#define KEY 517

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, ENTRIES);
    __type(key, __u32);
    __type(value, __u64);
} hash SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, ENTRIES);
    __type(key, __u32);
    __type(value, __u64);
} array SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, ENTRIES);
    __type(key, __u32);
    __type(value, __u64);
} lru SEC(".maps");

struct lpm_key {
    __u32 prefixlen;
    __u8 addr[4];
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1024);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct lpm_key);
    __type(value, __u32);
} lpm_1k SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 1 << 20);
    __uint(map_flags, BPF_F_NO_PREALLOC);
    __type(key, struct lpm_key);
    __type(value, __u32);
} lpm_1m SEC(".maps");

/* The address every LPM lookup asks for, in the `addr` byte order; the benchmark puts a /24
 * prefix covering it in both tries. */
#define LPM_A0 10
#define LPM_A1 20
#define LPM_A2 30
#define LPM_A3 77

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 1 << 24);
} ring SEC(".maps");

int tail_target(struct xdp_md *ctx);

struct {
    __uint(type, BPF_MAP_TYPE_PROG_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __array(values, int (void *));
} jump SEC(".maps") = {
    .values = { [0] = (void *)&tail_target },
};

/* The baseline: the same run without an operation. */
SEC("xdp")
int op_none(struct xdp_md *ctx)
{
    return XDP_PASS;
}

/* The value of KEY (KEY once filled), or 1 when absent. */
SEC("xdp")
int op_hash_lookup(struct xdp_md *ctx)
{
    __u32 key = KEY;
    __u64 *v = bpf_map_lookup_elem(&hash, &key);
    return v ? (int)*v : 1;
}

/* Stores KEY at KEY (BPF_ANY: replaces the entry once filled); returns the helper's result
 * + 3 (3 on success). */
SEC("xdp")
int op_hash_update(struct xdp_md *ctx)
{
    __u32 key = KEY;
    __u64 value = KEY;
    return (int)bpf_map_update_elem(&hash, &key, &value, BPF_ANY) + 3;
}

SEC("xdp")
int op_array_lookup(struct xdp_md *ctx)
{
    __u32 key = KEY;
    __u64 *v = bpf_map_lookup_elem(&array, &key);
    return v ? (int)*v : 1;
}

SEC("xdp")
int op_lru_lookup(struct xdp_md *ctx)
{
    __u32 key = KEY;
    __u64 *v = bpf_map_lookup_elem(&lru, &key);
    return v ? (int)*v : 1;
}

/* The value of the longest prefix holding 10.20.30.77, or 1 when none does. */
SEC("xdp")
int op_lpm_1k_lookup(struct xdp_md *ctx)
{
    struct lpm_key key = { .prefixlen = 32, .addr = { LPM_A0, LPM_A1, LPM_A2, LPM_A3 } };
    __u32 *v = bpf_map_lookup_elem(&lpm_1k, &key);
    return v ? (int)*v : 1;
}

SEC("xdp")
int op_lpm_1m_lookup(struct xdp_md *ctx)
{
    struct lpm_key key = { .prefixlen = 32, .addr = { LPM_A0, LPM_A1, LPM_A2, LPM_A3 } };
    __u32 *v = bpf_map_lookup_elem(&lpm_1m, &key);
    return v ? (int)*v : 1;
}

/* What the tail call reaches: returns XDP_TX (3). */
SEC("xdp")
int tail_target(struct xdp_md *ctx)
{
    return XDP_TX;
}

/* Tail-calls tail_target (the result is then 3); 1 when the call fails. */
SEC("xdp")
int op_tail_call(struct xdp_md *ctx)
{
    bpf_tail_call(ctx, &jump, 0);
    return 1;
}

/* The record the ring-buffer program outputs: 400 bytes of global data (`.data`; Linux lets
 * no helper read the packet for bpf_ringbuf_output). */
__u64 record[50] = { [0 ... 49] = 0x0123456789abcdefULL };

/* Copies the record into the ring buffer (without waking a consumer); returns the helper's
 * result + 3 (3 on success). */
SEC("xdp")
int op_ringbuf_output(struct xdp_md *ctx)
{
    return (int)bpf_ringbuf_output(&ring, record, sizeof(record), BPF_RB_NO_WAKEUP) + 3;
}

char LICENSE[] SEC("license") = "GPL";
