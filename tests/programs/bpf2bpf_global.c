/* A global function in .text (verified on its own, listed as a program) called from a
 * program section, and a static helper it calls. */
#include "common.h"

static __attribute__((noinline)) int clamp(int x)
{
    return x > 1500 ? 1500 : x;
}

__attribute__((noinline)) int packet_budget(int len)
{
    return clamp(len) >> 1;
}

SEC("tc")
int tc_global_call(struct __sk_buff *skb)
{
    return packet_budget(skb->len) > 10;
}

char LICENSE[] SEC("license") = "GPL";
