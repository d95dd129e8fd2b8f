/* String literals (.rodata.str1.1) passed to bpf_trace_printk, in a section whose name
 * matches no convention (kept with the explicit "unknown" program type). */
#include "common.h"

SEC("my_custom_hook")
int custom(void *ctx)
{
    char fmt[] = "hello %d\n";
    bpf_trace_printk(fmt, sizeof(fmt), 42);
    static const char msg[] = "literal in rodata\n";
    bpf_trace_printk(msg, sizeof(msg));
    return 0;
}

char LICENSE[] SEC("license") = "GPL";
