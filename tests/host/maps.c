/* One XDP program per map type. Each reads a 32-bit key from the first 4 bytes of the packet
 * (frames shorter than 4 bytes are aborted), does that map type's operations, and returns a
 * value that depends on their results, so a test checks the return value and the map's
 * contents afterwards. Runs unchanged on Linux (BPF_PROG_TEST_RUN) and on the execution
 * context. */
#include "common.h"

#define KEY_OR_ABORT(ctx, key)                                         \
    do {                                                               \
        void *data = (void *)(long)(ctx)->data;                        \
        void *data_end = (void *)(long)(ctx)->data_end;                \
        if (data + 4 > data_end)                                       \
            return XDP_ABORTED;                                        \
        (key) = *(__u32 *)data;                                        \
    } while (0)

struct {
    __uint(type, BPF_MAP_TYPE_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} hash SEC(".maps");

/* Counts the key, inserting it with NOEXIST the first time; returns the count, or 100 + the
 * update's error code (as a positive number) when the map is full. */
SEC("xdp")
int xdp_hash(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    __u64 *n = bpf_map_lookup_elem(&hash, &key);
    if (n) {
        *n += 1;
        return *n;
    }
    __u64 one = 1;
    long err = bpf_map_update_elem(&hash, &key, &one, BPF_NOEXIST);
    if (err)
        return 100 - err;
    /* A second NOEXIST insert of the same key fails with -EEXIST (17). */
    err = bpf_map_update_elem(&hash, &key, &one, BPF_NOEXIST);
    return err == -17 ? 1 : 99;
}

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} array SEC(".maps");

/* Adds the key to slot key % 16 and returns the slot's new value's low byte; an index past
 * the end (EXIST update of slot 16) fails. */
SEC("xdp")
int xdp_array(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    __u32 slot = key % 16;
    __u64 *v = bpf_map_lookup_elem(&array, &slot);
    if (!v)
        return XDP_ABORTED;
    *v += key;
    __u32 past = 16;
    __u64 zero = 0;
    if (bpf_map_update_elem(&array, &past, &zero, BPF_ANY) != -7 /* -E2BIG */)
        return 98;
    return *v & 0xff;
}

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u64);
} percpu_array SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_PERCPU_HASH);
    __uint(max_entries, 8);
    __type(key, __u32);
    __type(value, __u64);
} percpu_hash SEC(".maps");

/* Counts runs in the running CPU's slot of both per-CPU maps; returns that CPU's count. */
SEC("xdp")
int xdp_percpu(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    __u32 slot = key % 4;
    __u64 *a = bpf_map_lookup_elem(&percpu_array, &slot);
    if (!a)
        return XDP_ABORTED;
    *a += 1;
    __u64 *h = bpf_map_lookup_elem(&percpu_hash, &key);
    if (h) {
        *h += 1;
    } else {
        __u64 one = 1;
        bpf_map_update_elem(&percpu_hash, &key, &one, BPF_ANY);
    }
    return *a;
}

struct {
    __uint(type, BPF_MAP_TYPE_LRU_HASH);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
} lru SEC(".maps");

/* Inserts the key (value = key * 2) and returns whether key - 1 is still present. */
SEC("xdp")
int xdp_lru(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    __u32 value = key * 2;
    if (bpf_map_update_elem(&lru, &key, &value, BPF_ANY))
        return 97;
    __u32 prev = key - 1;
    return bpf_map_lookup_elem(&lru, &prev) ? 1 : 0;
}

struct lpm_key {
    __u32 prefixlen;
    __u8 addr[4];
};

struct {
    __uint(type, BPF_MAP_TYPE_LPM_TRIE);
    __uint(max_entries, 16);
    __type(key, struct lpm_key);
    __type(value, __u32);
    __uint(map_flags, BPF_F_NO_PREALLOC);
} lpm SEC(".maps");

/* Looks the key's 4 bytes up as an IPv4 address; returns the matching prefix's value, or 0. */
SEC("xdp")
int xdp_lpm(struct xdp_md *ctx)
{
    void *data = (void *)(long)ctx->data;
    void *data_end = (void *)(long)ctx->data_end;
    if (data + 4 > data_end)
        return XDP_ABORTED;
    struct lpm_key k = { .prefixlen = 32 };
    __builtin_memcpy(k.addr, data, 4);
    __u32 *v = bpf_map_lookup_elem(&lpm, &k);
    return v ? *v : 0;
}

struct {
    __uint(type, BPF_MAP_TYPE_QUEUE);
    __uint(max_entries, 4);
    __type(value, __u32);
} queue SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_STACK);
    __uint(max_entries, 4);
    __type(value, __u32);
} stack SEC(".maps");

/* Pushes the key into both; when either is full, pops one element from each and returns
 * queue_front * 1000 + stack_top (mod 2^31), else 1 + whether peek sees the oldest (queue). */
SEC("xdp")
int xdp_queue_stack(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    long q = bpf_map_push_elem(&queue, &key, 0);
    long s = bpf_map_push_elem(&stack, &key, 0);
    if (q || s) {
        __u32 front = 0, top = 0;
        if (bpf_map_pop_elem(&queue, &front) || bpf_map_pop_elem(&stack, &top))
            return 96;
        return (front * 1000 + top) & 0x7fffffff;
    }
    __u32 peeked = 0;
    if (bpf_map_peek_elem(&stack, &peeked))
        return 95;
    return peeked == key ? 2 : 1;
}

struct inner_array {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 4);
    __type(key, __u32);
    __type(value, __u32);
};

struct inner_array inner0 SEC(".maps"), inner1 SEC(".maps");

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, struct inner_array);
} array_of_maps SEC(".maps") = {
    .values = { [0] = &inner0, [1] = &inner1 },
};

struct {
    __uint(type, BPF_MAP_TYPE_HASH_OF_MAPS);
    __uint(max_entries, 4);
    __type(key, __u32);
    __array(values, struct inner_array);
} hash_of_maps SEC(".maps") = {
    .values = { [1] = &inner1 },
};

/* Writes the key into slot 0 of inner map (key & 1) through the array of maps, then reads
 * slot 0 of the map stored under key 1 in the hash of maps (inner1); returns that value, or
 * 94 when the hash of maps has no such key. */
SEC("xdp")
int xdp_map_in_map(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    __u32 which = key & 1, zero = 0, one = 1;
    void *inner = bpf_map_lookup_elem(&array_of_maps, &which);
    if (!inner)
        return XDP_ABORTED;
    __u32 *slot = bpf_map_lookup_elem(inner, &zero);
    if (!slot)
        return XDP_ABORTED;
    *slot = key;
    void *other = bpf_map_lookup_elem(&hash_of_maps, &one);
    if (!other)
        return 94;
    __u32 *v = bpf_map_lookup_elem(other, &zero);
    return v ? *v : 93;
}

struct {
    __uint(type, BPF_MAP_TYPE_RINGBUF);
    __uint(max_entries, 4096);
} ringbuf SEC(".maps");

struct record {
    __u32 key;
    __u32 len;
};

/* Emits one record {key, packet length} with bpf_ringbuf_output, reserves and discards a
 * second, and reserves and submits a third {key + 1, 0}; returns 1, or 92 when a reservation
 * fails (the ring is full). */
SEC("xdp")
int xdp_ringbuf(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    struct record r = {
        .key = key,
        .len = (__u32)(ctx->data_end - ctx->data),
    };
    if (bpf_ringbuf_output(&ringbuf, &r, sizeof(r), 0))
        return 92;
    struct record *d = bpf_ringbuf_reserve(&ringbuf, sizeof(*d), 0);
    if (!d)
        return 92;
    bpf_ringbuf_discard(d, 0);
    struct record *s = bpf_ringbuf_reserve(&ringbuf, sizeof(*s), 0);
    if (!s)
        return 92;
    s->key = key + 1;
    s->len = 0;
    bpf_ringbuf_submit(s, 0);
    return 1;
}

struct {
    __uint(type, BPF_MAP_TYPE_PERF_EVENT_ARRAY);
    __uint(key_size, sizeof(__u32));
    __uint(value_size, sizeof(__u32));
} perf SEC(".maps");

/* Sends the key to the running CPU's perf ring; returns the helper's result (0 on success). */
SEC("xdp")
int xdp_perf(struct xdp_md *ctx)
{
    __u32 key;
    KEY_OR_ABORT(ctx, key);
    return -bpf_perf_event_output(ctx, &perf, BPF_F_CURRENT_CPU, &key, sizeof(key));
}

char LICENSE[] SEC("license") = "GPL";
