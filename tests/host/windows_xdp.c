/* eBPF for Windows XDP programs for the execution context, loaded with --platform windows:
 * xdp_md_t with 8-byte packet pointers (tests/include/xdp_hooks.h), the general helper ids of
 * include/bpf_helper_defs.h, the map type numbers of include/ebpf_structs.h and the verdicts
 * XDP_PASS 1, XDP_DROP 2. Only Linux's UAPI headers are included, for the packet headers. */
#include <linux/types.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/udp.h>
#include <linux/in.h>

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name
#define __array(name, val) typeof(val) *name[]

typedef struct xdp_md {
    void *data;
    void *data_end;
    __u64 data_meta;
    __u32 ingress_ifindex;
} xdp_md_t;

enum { XDP_PASS = 1, XDP_DROP = 2 };
enum { HASH = 1, ARRAY = 2, PROG_ARRAY = 3, LPM_TRIE = 9, QUEUE = 10, RINGBUF = 13 };

static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;
static long (*bpf_map_update_elem)(void *map, const void *key, const void *value,
                                   __u64 flags) = (void *)2;
static long (*bpf_tail_call)(void *ctx, void *map, __u32 index) = (void *)5;
static int (*bpf_csum_diff)(void *from, int from_size, void *to, int to_size,
                            int seed) = (void *)10;
static long (*bpf_ringbuf_output)(void *map, void *data, __u64 size, __u64 flags) = (void *)11;
static long (*bpf_trace_printk3)(const char *fmt, __u32 fmt_size, __u64 a) = (void *)13;
static long (*bpf_map_push_elem)(void *map, const void *value, __u64 flags) = (void *)16;
static long (*bpf_map_pop_elem)(void *map, void *value) = (void *)17;
static long (*bpf_memcpy_s)(void *dst, __u64 dst_size, const void *src,
                            __u64 src_size) = (void *)22;
static int (*bpf_memcmp_s)(const void *a, __u64 a_size, const void *b, __u64 b_size) = (void *)23;
static void *(*bpf_memset)(void *dst, __u64 size, int value) = (void *)24;
static long (*bpf_memmove_s)(void *dst, __u64 dst_size, const void *src,
                             __u64 src_size) = (void *)25;
static long (*bpf_strncpy_s)(char *dst, __u64 dst_size, const char *src,
                             __u64 src_size) = (void *)27;
static long (*bpf_strncat_s)(char *dst, __u64 dst_size, const char *src,
                             __u64 src_size) = (void *)28;
static long (*bpf_strnlen_s)(const char *str, __u64 str_size) = (void *)29;
static long (*bpf_xdp_adjust_head)(xdp_md_t *ctx, int delta) = (void *)0x10000;

struct lpm_v4_key {
    __u32 prefixlen;
    __u32 addr;
};

struct {
    __uint(type, LPM_TRIE);
    __uint(max_entries, 16);
    __type(key, struct lpm_v4_key);
    __type(value, __u32);
} blocked SEC(".maps");

struct {
    __uint(type, HASH);
    __uint(max_entries, 16);
    __type(key, __u32);
    __type(value, __u64);
} per_source SEC(".maps");

/* Index = verdict (XDP_PASS 1, XDP_DROP 2). */
struct {
    __uint(type, ARRAY);
    __uint(max_entries, 3);
    __type(key, __u32);
    __type(value, __u64);
} verdicts SEC(".maps");

struct {
    __uint(type, HASH);
    __uint(max_entries, 16);
    __type(key, __u16);
    __type(value, __u64);
} udp_ports SEC(".maps");

int win_udp(xdp_md_t *ctx);

struct {
    __uint(type, PROG_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, int (void *));
} jump SEC(".maps") = {
    .values = { [0] = (void *)&win_udp },
};

static __attribute__((always_inline)) int count_verdict(int verdict)
{
    __u32 key = verdict;
    __u64 *n = bpf_map_lookup_elem(&verdicts, &key);
    if (n)
        __sync_fetch_and_add(n, 1);
    return verdict;
}

/* Drops IPv4 sources in `blocked`, counts sources, hands UDP to win_udp (jump slot 0). */
SEC("xdp")
int win_firewall(xdp_md_t *ctx)
{
    void *data = ctx->data;
    void *data_end = ctx->data_end;
    struct ethhdr *eth = data;
    if ((void *)(eth + 1) > data_end)
        return count_verdict(XDP_DROP);
    if (eth->h_proto != __builtin_bswap16(ETH_P_IP))
        return count_verdict(XDP_PASS);
    struct iphdr *ip = (void *)(eth + 1);
    if ((void *)(ip + 1) > data_end)
        return count_verdict(XDP_DROP);
    __u32 src = ip->saddr;
    __u64 one = 1;
    __u64 *seen = bpf_map_lookup_elem(&per_source, &src);
    if (seen)
        __sync_fetch_and_add(seen, 1);
    else
        bpf_map_update_elem(&per_source, &src, &one, 1 /* BPF_NOEXIST */);
    struct lpm_v4_key key = { .prefixlen = 32, .addr = src };
    if (bpf_map_lookup_elem(&blocked, &key))
        return count_verdict(XDP_DROP);
    if (ip->protocol == IPPROTO_UDP)
        bpf_tail_call(ctx, &jump, 0);
    return count_verdict(XDP_PASS);
}

/* Counts UDP packets by destination port and passes them. */
SEC("xdp")
int win_udp(xdp_md_t *ctx)
{
    void *data = ctx->data;
    void *data_end = ctx->data_end;
    struct udphdr *udp = data + sizeof(struct ethhdr) + sizeof(struct iphdr);
    if ((void *)(udp + 1) > data_end)
        return count_verdict(XDP_DROP);
    __u16 port = __builtin_bswap16(udp->dest);
    __u64 one = 1;
    __u64 *n = bpf_map_lookup_elem(&udp_ports, &port);
    if (n)
        __sync_fetch_and_add(n, 1);
    else
        bpf_map_update_elem(&udp_ports, &port, &one, 0);
    return count_verdict(XDP_PASS);
}

struct {
    __uint(type, ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, __u32);
} chain_runs SEC(".maps");

int win_chain(xdp_md_t *ctx);

/* Slot 0: win_chain itself; slot 1 stays empty. */
struct {
    __uint(type, PROG_ARRAY);
    __uint(max_entries, 2);
    __type(key, __u32);
    __array(values, int (void *));
} chain SEC(".maps") = {
    .values = { [0] = (void *)&win_chain },
};

/* Counts its runs and tail-calls itself: the last program's result is the invocation's, the
 * failed call's -EBPF_NO_MORE_TAIL_CALLS (-27) after 34 runs. */
SEC("xdp")
int win_chain(xdp_md_t *ctx)
{
    __u32 zero = 0;
    __u32 *n = bpf_map_lookup_elem(&chain_runs, &zero);
    if (n)
        *n += 1;
    return bpf_tail_call(ctx, &chain, 0);
}

/* Tail calls past the array and to an empty slot: both -EBPF_INVALID_ARGUMENT (-6); returns
 * 1000 * -first + -second (6006). */
SEC("xdp")
int win_tail_miss(xdp_md_t *ctx)
{
    long past = bpf_tail_call(ctx, &chain, 2);
    long empty = bpf_tail_call(ctx, &chain, 1);
    return -past * 1000 - empty;
}

struct {
    __uint(type, RINGBUF);
    __uint(max_entries, 4096);
} events SEC(".maps");

struct {
    __uint(type, QUEUE);
    __uint(max_entries, 2);
    __type(value, __u32);
} fifo SEC(".maps");

struct results {
    long output;
    long printed;
    long csum;
    long copied;
    long compared;
    long too_long;
    long filled;
    long pushed;
    long popped;
    long popped_value;
    long empty_pop;
};

struct {
    __uint(type, ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct results);
} results SEC(".maps");

struct event {
    __u32 first;
    __u32 len;
};

/* Calls the general helpers on the packet's first 8 bytes and stores every result in
 * `results` for the test to check; returns XDP_PASS (XDP_DROP for a frame under 8 bytes). */
SEC("xdp")
int win_helpers(xdp_md_t *ctx)
{
    void *data = ctx->data;
    void *data_end = ctx->data_end;
    if (data + 8 > data_end)
        return XDP_DROP;
    __u32 zero = 0;
    struct results *r = bpf_map_lookup_elem(&results, &zero);
    if (!r)
        return XDP_DROP;
    __u32 len = data_end - data;
    struct event e = { .first = *(__u32 *)data, .len = len };
    r->output = bpf_ringbuf_output(&events, &e, sizeof(e), 0);
    char fmt[] = "len %u\n";
    r->printed = bpf_trace_printk3(fmt, sizeof(fmt), len);
    r->csum = bpf_csum_diff(0, 0, data, 8, 0);
    __u8 buf[8];
    bpf_memset(buf, sizeof(buf), 0xab);
    r->copied = bpf_memcpy_s(buf, sizeof(buf), data, 4);
    r->compared = bpf_memcmp_s(buf, 8, data, 8);
    r->too_long = bpf_memcpy_s(buf, 4, data, 8);
    r->filled = buf[7];
    r->pushed = bpf_map_push_elem(&fifo, &len, 0);
    __u32 v = 0;
    r->popped = bpf_map_pop_elem(&fifo, &v);
    r->popped_value = v;
    r->empty_pop = bpf_map_pop_elem(&fifo, &v);
    return XDP_PASS;
}

struct strings {
    long len_abc;
    long cat;
    long len_cat;
    long cpy_too_long;
    long cpy;
    long len_cpy;
    long cat_too_long;
    char moved[8];
    char copied[8];
    char catted[16];
};

struct {
    __uint(type, ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct strings);
} strings SEC(".maps");

/* The string helpers and an overlapping memmove; every result goes to `strings`. */
SEC("xdp")
int win_strings(xdp_md_t *ctx)
{
    __u32 zero = 0;
    struct strings *r = bpf_map_lookup_elem(&strings, &zero);
    if (!r)
        return XDP_DROP;
    char a[16] = "abc";
    char b[8] = "defgh";
    r->len_abc = bpf_strnlen_s(a, sizeof(a));
    r->cat = bpf_strncat_s(a, sizeof(a), b, sizeof(b));
    r->len_cat = bpf_strnlen_s(a, sizeof(a));
    char small[4];
    r->cpy_too_long = bpf_strncpy_s(small, sizeof(small), b, sizeof(b));
    char ok[8] = {};
    r->cpy = bpf_strncpy_s(ok, sizeof(ok), b, sizeof(b));
    r->len_cpy = bpf_strnlen_s(ok, sizeof(ok));
    char twice[16] = "abcdefgh";
    r->cat_too_long = bpf_strncat_s(twice, sizeof(twice), a, sizeof(a));
    char m[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };
    bpf_memmove_s(m + 2, 6, m, 6);
    __builtin_memcpy(r->moved, m, 8);
    __builtin_memcpy(r->copied, ok, 8);
    __builtin_memcpy(r->catted, a, 16);
    return XDP_PASS;
}

/* Pushes 4 bytes in front of the packet (bpf_xdp_adjust_head(-4)), writes 0xdeadbeef there
 * and returns the new length, or 0 when the head cannot move. */
SEC("xdp")
int win_adjust(xdp_md_t *ctx)
{
    if (bpf_xdp_adjust_head(ctx, -4))
        return 0;
    void *data = ctx->data;
    void *data_end = ctx->data_end;
    if (data + 4 > data_end)
        return 0;
    *(__u32 *)data = __builtin_bswap32(0xdeadbeef);
    return data_end - data;
}

char LICENSE[] SEC("license") = "MIT";
