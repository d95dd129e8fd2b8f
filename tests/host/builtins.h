/* Calls of memcpy, memmove, memset and memcmp that clang leaves as calls of undefined symbols
 * (built with -fno-builtin, see build.sh: without it clang-19 expands constant sizes inline and
 * refuses variable ones, except memcmp, which it always leaves as a call). The loader resolves
 * them to the platform's builtins; included by builtins_linux.c and builtins_windows.c, which
 * differ only in the XDP context. */
#include <linux/types.h>

#define SEC(name) __attribute__((section(name), used))
#define __uint(name, val) int (*name)[val]
#define __type(name, val) typeof(val) *name

typedef unsigned long size_t;
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);

/* bpf_map_lookup_elem is 1 on both platforms, as is the array map type 2. */
static void *(*bpf_map_lookup_elem)(void *map, const void *key) = (void *)1;

struct scratch {
    __u8 a[64];
    __u8 b[64];
    __u32 n;    /* the size of the copies, at most 64 */
    __u32 fill; /* memset's byte */
    __s64 cmp;  /* memcmp(a, b, 64) after the copies */
    __u64 ret_is_dst; /* memcpy returned its destination */
};

struct {
    __uint(type, 2);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct scratch);
} scratch SEC(".maps");

/* Variable sizes, map value to map value: b[0..n) = a[0..n), a[0..n) = fill, cmp =
 * memcmp(a, b, 64), then b shifted up one byte in place (an overlapping memmove). */
SEC("xdp")
int bt_map(XDP_MD *ctx)
{
    __u32 zero = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s)
        return 0;
    size_t n = s->n;
    if (n > 64)
        n = 64;
    s->ret_is_dst = memcpy(s->b, s->a, n) == s->b;
    memset(s->a, s->fill, n);
    s->cmp = memcmp(s->a, s->b, sizeof(s->a));
    memmove(s->b + 1, s->b, sizeof(s->b) - 1);
    return 2;
}

/* Constant sizes on the stack and from the packet: 0 when the packet's first 64 bytes sort
 * before 64 bytes of 0x42, 2 when equal, 3 when after, 1 when the packet is shorter. */
SEC("xdp")
int bt_stack(XDP_MD *ctx)
{
    __u8 buf[64], pattern[64];
    void *data = DATA(ctx), *end = DATA_END(ctx);
    if (data + sizeof(buf) > end)
        return 1;
    memset(pattern, 0x42, sizeof(pattern));
    memcpy(buf, data, sizeof(buf));
    int c = memcmp(buf, pattern, sizeof(buf));
    return c < 0 ? 0 : c == 0 ? 2 : 3;
}

/* The packet rewritten in place: bytes [0, 16) moved to [1, 17), byte 0 set to 0xee. */
SEC("xdp")
int bt_packet(XDP_MD *ctx)
{
    void *data = DATA(ctx), *end = DATA_END(ctx);
    if (data + 32 > end)
        return 1;
    memmove(data + 1, data, 16);
    memset(data, 0xee, 1);
    return 2;
}

/* Rejected: the size is the map's number, unbounded, and the copy could run past b. */
SEC("xdp")
int bt_unbounded(XDP_MD *ctx)
{
    __u32 zero = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s)
        return 0;
    memcpy(s->b, s->a, s->n);
    return 2;
}

/* Not loaded: strlen is no builtin, so this program (only) names the undefined symbol. */
SEC("xdp")
int bt_strlen(XDP_MD *ctx)
{
    __u32 zero = 0;
    struct scratch *s = bpf_map_lookup_elem(&scratch, &zero);
    if (!s)
        return 0;
    return strlen((const char *)s->a) > 3 ? 2 : 1;
}

char LICENSE[] SEC("license") = "GPL";
