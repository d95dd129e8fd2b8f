/* A CO-RE enum-value relocation, which needs a target kernel's BTF: loading must fail with
 * one error naming the relocation. */
#include "common.h"
#include <bpf/bpf_core_read.h>

enum color { RED = 1, GREEN = 2 };

SEC("kprobe/enum_test")
int core_enum_value(void *ctx)
{
    return bpf_core_enum_value(enum color, GREEN);
}

char LICENSE[] SEC("license") = "GPL";
