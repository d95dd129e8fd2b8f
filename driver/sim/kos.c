/* kos.c: the simulated kernel services (see kos.h).
 *
 * The pool is a static arena carved into power-of-two size classes (16 bytes to the whole
 * arena): a block is taken from its class's free list, or cut from the untouched rest of the
 * arena (aligned to its size up to a page); a freed block goes back on its class's list.
 * One spin lock guards it; counters record what is live. Under valgrind the blocks are
 * described to memcheck (MALLOCLIKE/FREELIKE), so reads of freed or uninitialised pool memory
 * are reported as for malloc. */
#define _GNU_SOURCE
#include "kos.h"

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define KOS_VALGRIND 1
#endif
#endif
#ifndef KOS_VALGRIND
#define VALGRIND_MALLOCLIKE_BLOCK(p, n, rz, z) ((void)0)
#define VALGRIND_FREELIKE_BLOCK(p, rz) ((void)0)
#define VALGRIND_MAKE_MEM_UNDEFINED(p, n) ((void)0)
#define VALGRIND_MAKE_MEM_DEFINED(p, n) ((void)0)
#define VALGRIND_MAKE_MEM_NOACCESS(p, n) ((void)0)
#endif

#define POOL_BYTES ((size_t)256 << 20)
#define MIN_SHIFT 4u
#define MAX_SHIFT 28u /* 256 MiB: the whole arena */
#define PAGE 4096u

static _Alignas(4096) unsigned char arena[POOL_BYTES];
static size_t carved;                         /* bytes of the arena cut into blocks */
static void *free_lists[MAX_SHIFT + 1];       /* a freed block's first word: the next */
static kos_spinlock_t pool_lock = KOS_SPINLOCK_INIT;
static kos_usage_t usage;                     /* guarded by pool_lock */
static atomic_int arena_marked;
static atomic_int trace_quiet = 1;
static _Atomic uint64_t random_state = 0x9e3779b97f4a7c15ull;
static uint32_t cpu_count = 1;

void kos_lock(kos_spinlock_t *lock)
{
    while (atomic_flag_test_and_set_explicit(&lock->flag, memory_order_acquire))
        __builtin_ia32_pause();
}

void kos_unlock(kos_spinlock_t *lock)
{
    atomic_flag_clear_explicit(&lock->flag, memory_order_release);
}

static unsigned class_of(size_t size, size_t align)
{
    size_t need = size > align ? size : align;
    unsigned shift = MIN_SHIFT;
    while (shift <= MAX_SHIFT && ((size_t)1 << shift) < need)
        shift++;
    return shift;
}

static void *pool_alloc(void *context, size_t size, size_t align)
{
    (void)context;
    if (size == 0 || align == 0 || (align & (align - 1)) != 0)
        return NULL;
    unsigned shift = class_of(size, align);
    if (shift > MAX_SHIFT)
        return NULL;
    size_t block = (size_t)1 << shift;
    if (!atomic_exchange(&arena_marked, 1))
        VALGRIND_MAKE_MEM_NOACCESS(arena, POOL_BYTES);
    void *p = NULL;
    kos_lock(&pool_lock);
    if (free_lists[shift] != NULL) {
        p = free_lists[shift];
        VALGRIND_MAKE_MEM_DEFINED(p, sizeof(void *));
        free_lists[shift] = *(void **)p;
    } else {
        size_t step = block < PAGE ? block : PAGE;
        size_t at = (carved + step - 1) & ~(step - 1);
        if (at <= POOL_BYTES && POOL_BYTES - at >= block) {
            p = arena + at;
            carved = at + block;
            usage.arena_used = carved;
        }
    }
    if (p != NULL) {
        usage.pool_bytes += size;
        usage.pool_blocks++;
        usage.pool_allocs++;
        if (usage.pool_bytes > usage.pool_peak)
            usage.pool_peak = usage.pool_bytes;
    } else {
        usage.pool_failed++;
    }
    kos_unlock(&pool_lock);
    if (p != NULL)
        VALGRIND_MALLOCLIKE_BLOCK(p, size, 0, 0);
    return p;
}

static void pool_free(void *context, void *ptr, size_t size, size_t align)
{
    (void)context;
    unsigned shift = class_of(size, align);
    unsigned char *p = ptr;
    if (p < arena || p >= arena + POOL_BYTES || shift > MAX_SHIFT ||
        ((size_t)(p - arena) & (((size_t)1 << shift) - 1) & (PAGE - 1)) != 0) {
        fprintf(stderr, "kos: pool_free of %p (%zu bytes) outside the pool's blocks\n", ptr, size);
        abort();
    }
    VALGRIND_FREELIKE_BLOCK(ptr, 0);
    VALGRIND_MAKE_MEM_UNDEFINED(ptr, sizeof(void *));
    kos_lock(&pool_lock);
    *(void **)ptr = free_lists[shift];
    free_lists[shift] = ptr;
    usage.pool_bytes -= size;
    usage.pool_blocks--;
    kos_unlock(&pool_lock);
}

int kos_pool_check(void)
{
    int bad = 0;
    kos_lock(&pool_lock);
    for (unsigned shift = MIN_SHIFT; shift <= MAX_SHIFT; shift++) {
        size_t step = ((size_t)1 << shift) < PAGE ? ((size_t)1 << shift) : PAGE;
        for (void *p = free_lists[shift]; p != NULL;) {
            unsigned char *b = p;
            if (b < arena || b + ((size_t)1 << shift) > arena + carved ||
                ((size_t)(b - arena) & (step - 1)) != 0) {
                bad = 1;
                break;
            }
            VALGRIND_MAKE_MEM_DEFINED(p, sizeof(void *));
            p = *(void **)p;
        }
    }
    kos_unlock(&pool_lock);
    return bad;
}

/* Code regions: whole pages from mmap, writable until exec_protect makes them read-execute. */
static void *exec_alloc(void *context, size_t size)
{
    (void)context;
    size_t len = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
    void *p = mmap(NULL, len ? len : PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                   -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    kos_lock(&pool_lock);
    usage.exec_regions++;
    kos_unlock(&pool_lock);
    return p;
}

static int32_t exec_protect(void *context, void *ptr, size_t size)
{
    (void)context;
    size_t len = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
    if (mprotect(ptr, len ? len : PAGE, PROT_READ | PROT_EXEC) != 0)
        return -1;
    kos_lock(&pool_lock);
    usage.exec_made_rx++;
    kos_unlock(&pool_lock);
    return 0;
}

static void exec_free(void *context, void *ptr, size_t size)
{
    (void)context;
    size_t len = (size + PAGE - 1) & ~(size_t)(PAGE - 1);
    munmap(ptr, len ? len : PAGE);
    kos_lock(&pool_lock);
    usage.exec_regions--;
    kos_unlock(&pool_lock);
}

uint64_t kos_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

uint64_t kos_thread_cpu_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t monotonic_ns(void *context)
{
    (void)context;
    return kos_now_ns();
}

static uint64_t boot_ns(void *context)
{
    (void)context;
    struct timespec ts;
    clock_gettime(CLOCK_BOOTTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* splitmix64 over one atomic state: not cryptographic, as a driver's fallback would not be. */
static void random_bytes(void *context, uint8_t *buf, size_t len)
{
    (void)context;
    for (size_t i = 0; i < len; i += 8) {
        uint64_t z = atomic_fetch_add(&random_state, 0x9e3779b97f4a7c15ull) +
                     0x9e3779b97f4a7c15ull;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        size_t n = len - i < 8 ? len - i : 8;
        memcpy(buf + i, &z, n);
    }
}

static uint32_t current_cpu(void *context)
{
    (void)context;
    int cpu = sched_getcpu();
    return cpu < 0 ? 0 : (uint32_t)cpu % cpu_count;
}

static void trace(void *context, const char *line, size_t len)
{
    (void)context;
    kos_lock(&pool_lock);
    usage.trace_lines++;
    kos_unlock(&pool_lock);
    if (!atomic_load(&trace_quiet))
        fprintf(stderr, "trace: %.*s\n", (int)len, line);
}

static void fatal(void *context, const char *message, size_t len)
{
    (void)context;
    fprintf(stderr, "BUGCHECK: %.*s\n", (int)len, message);
    abort();
}

void kos_trace_quiet(int quiet)
{
    atomic_store(&trace_quiet, quiet);
}

void kos_table(ebpf_os_table_t *table, uint32_t cpus)
{
    cpu_count = cpus ? cpus : 1;
    memset(table, 0, sizeof *table);
    table->size = sizeof *table;
    table->cpu_count = cpu_count;
    table->context = NULL;
    table->pool_alloc = pool_alloc;
    table->pool_free = pool_free;
    table->exec_alloc = exec_alloc;
    table->exec_protect = exec_protect;
    table->exec_free = exec_free;
    table->monotonic_ns = monotonic_ns;
    table->boot_ns = boot_ns;
    table->random_bytes = random_bytes;
    table->current_cpu = current_cpu;
    table->trace = trace;
    table->fatal = fatal;
}

kos_usage_t kos_usage(void)
{
    kos_lock(&pool_lock);
    kos_usage_t u = usage;
    kos_unlock(&pool_lock);
    return u;
}
