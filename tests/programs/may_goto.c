/* Loops bounded only by may_goto (Linux's BPF_JCOND, as the selftests' can_loop): LLVM 19
 * assembles `may_goto LABEL` in inline asm. The budget is per function call: 8 Mi
 * (BPF_MAX_LOOPS) fall-throughs, then the jump. */
#include "common.h"

/* 1 while the current function's budget lasts (taking one unit), then 0. */
static __always_inline int budget_left(void)
{
    asm volatile goto("may_goto %l[spent]" :::: spent);
    return 1;
spent:
    return 0;
}

struct words {
    __u32 n;
    __u32 w[64];
};

struct {
    __uint(type, BPF_MAP_TYPE_ARRAY);
    __uint(max_entries, 1);
    __type(key, __u32);
    __type(value, struct words);
} words SEC(".maps");

/* Sums the first n words of the map value; the loop has no bound but the budget and n. */
SEC("xdp")
int xdp_sum_words(struct xdp_md *ctx)
{
    __u32 key = 0, sum = 0;
    struct words *v = bpf_map_lookup_elem(&words, &key);
    if (!v)
        return 0;
    for (__u32 i = 0; budget_left(); i++) {
        /* Keeps clang from turning the index into a second induction pointer. */
        asm volatile("" : "+r"(i));
        if (i >= v->n || i >= 64)
            break;
        sum += v->w[i];
    }
    return sum;
}

/* Ends only when the budget is spent: returns how many rounds it ran (BPF_MAX_LOOPS). */
SEC("xdp")
int xdp_spin(struct xdp_md *ctx)
{
    __u32 rounds = 0;
    while (budget_left())
        rounds++;
    return rounds;
}

static __attribute__((noinline)) __u32 spin_here(__u32 start)
{
    __u32 rounds = start;
    while (budget_left())
        rounds++;
    return rounds;
}

/* Each call has a budget of its own: two calls and the caller's own loop spin 3 * 8 Mi times. */
SEC("xdp")
int xdp_spin_frames(struct xdp_md *ctx)
{
    __u32 rounds = spin_here(0);
    rounds = spin_here(rounds);
    while (budget_left())
        rounds++;
    return rounds;
}

char LICENSE[] SEC("license") = "GPL";
