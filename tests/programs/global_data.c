/* Global variables in all three data sections: .data (initialised), .rodata (const) and .bss
 * (zero-initialised), each read or written by the program. */
#include "common.h"

__u64 packets = 7;                     /* .data */
const volatile __u32 limit = 1000;     /* .rodata */
__u64 dropped;                         /* .bss */
__u32 last_len;                        /* .bss */

SEC("tc")
int tc_count(struct __sk_buff *skb)
{
    packets++;
    last_len = skb->len;
    if (skb->len > limit) {
        dropped++;
        return 2;
    }
    return 0;
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
