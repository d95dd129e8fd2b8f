/* CO-RE field-offset relocations (__builtin_preserve_access_index), resolved against the
 * object's own BTF. */
#include "common.h"

struct task {
    int pid;
    int tgid;
    struct {
        long start;
        long end;
    } times[2];
    char comm[16];
} __attribute__((preserve_access_index));

SEC("raw_tracepoint/task_rename")
int core_fields(struct task *t)
{
    long a = __builtin_preserve_access_index(t->times[1].end);
    int b = __builtin_preserve_access_index(t->tgid);
    return a + b;
}

char LICENSE[] SEC("license") = "GPL";
