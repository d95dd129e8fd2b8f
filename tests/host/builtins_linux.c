/* The builtins test programs (builtins.h) with Linux's xdp_md. */
#include <linux/types.h>
struct xdp_md {
    __u32 data;
    __u32 data_end;
    __u32 data_meta;
    __u32 ingress_ifindex;
    __u32 rx_queue_index;
    __u32 egress_ifindex;
};
#define XDP_MD struct xdp_md
#define DATA(ctx) ((void *)(long)(ctx)->data)
#define DATA_END(ctx) ((void *)(long)(ctx)->data_end)
#include "builtins.h"
