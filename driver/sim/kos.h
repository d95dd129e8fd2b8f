/* kos.h: the simulated kernel services the driver simulation gives the library, written the
 * way a kernel driver's are: no malloc (a fixed pool with size classes and a usage counter),
 * spin locks on C11 atomics, a monotonic clock, pages from mmap for code (W^X). */
#ifndef KOS_H
#define KOS_H

#include <stddef.h>
#include <stdint.h>
#include <stdatomic.h>

#include "ebpf_driver.h"

/* A spin lock on a C11 atomic flag. */
typedef struct kos_spinlock {
    atomic_flag flag;
} kos_spinlock_t;

#define KOS_SPINLOCK_INIT { ATOMIC_FLAG_INIT }

void kos_lock(kos_spinlock_t *lock);
void kos_unlock(kos_spinlock_t *lock);

/* What the pool and the code pages hold now, and at most. */
typedef struct kos_usage {
    size_t pool_bytes;   /* requested bytes of live pool blocks */
    size_t pool_blocks;  /* live pool blocks */
    size_t pool_peak;    /* most requested bytes live at once */
    size_t pool_allocs;  /* allocations so far */
    size_t pool_failed;  /* allocations refused (pool exhausted) */
    size_t arena_used;   /* bytes of the arena ever carved into blocks */
    size_t exec_regions; /* live code regions */
    size_t exec_made_rx; /* regions made read-execute so far */
    size_t trace_lines;  /* trace lines written */
} kos_usage_t;

/* The OS table over these services, for `cpus` CPUs. */
void kos_table(ebpf_os_table_t *table, uint32_t cpus);
kos_usage_t kos_usage(void);
uint64_t kos_now_ns(void);
/* This thread's CPU time (for measurements that the machine's load should not skew). */
uint64_t kos_thread_cpu_ns(void);
/* Quiet trace output (lines are still counted); on by default. */
void kos_trace_quiet(int quiet);
/* The pool's own consistency: every free-list block lies in the arena and is aligned to its
 * class. Returns 0 when consistent. */
int kos_pool_check(void);

#endif /* KOS_H */
