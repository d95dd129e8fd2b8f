/* The builtins test programs (builtins.h) with eBPF for Windows' xdp_md_t, loaded with
 * --platform windows. */
typedef struct xdp_md {
    void *data;
    void *data_end;
    unsigned long long data_meta;
    unsigned int ingress_ifindex;
} xdp_md_t;
#define XDP_MD xdp_md_t
#define DATA(ctx) ((ctx)->data)
#define DATA_END(ctx) ((ctx)->data_end)
#include "builtins.h"
