/* ebpf_driver.h: the C ABI of libebpf_driver_core.a, the eBPF execution context as a no_std
 * static library for kernel drivers (driver/core/src/lib.rs). Hand-written; driver/core/check.sh
 * compiles it alone with gcc -std=c99 -Wall -Wextra -Werror -pedantic, and the driver
 * simulation (driver/sim) uses every declaration in it.
 *
 * Calls return an ebpf_result_t code (eBPF for Windows' include/ebpf_result.h): 0 is success.
 * One execution context exists at a time: its table of OS callbacks also serves the
 * library's own memory (every allocation goes to pool_alloc/pool_free). */
#ifndef EBPF_DRIVER_H
#define EBPF_DRIVER_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result codes used here (the full list is eBPF for Windows' ebpf_result_t). */
#define EBPF_DRIVER_SUCCESS 0u
#define EBPF_DRIVER_INVALID_ARGUMENT 6u
#define EBPF_DRIVER_NO_MEMORY 12u
#define EBPF_DRIVER_ALREADY_INITIALIZED 15u
#define EBPF_DRIVER_FAILED 17u
#define EBPF_DRIVER_OPERATION_NOT_SUPPORTED 18u
#define EBPF_DRIVER_INSUFFICIENT_BUFFER 24u

/* The OS services. Every callback gets `context` first and may be called from any thread.
 * Required: pool_alloc, pool_free, monotonic_ns, random_bytes, current_cpu, cpu_count >= 1.
 * Optional (NULL): the three exec_* together (none: no executable memory, as under HVCI:
 * programs run on the interpreter), boot_ns (the monotonic clock), trace, fatal. */
typedef struct ebpf_os_table {
    uint32_t size;      /* sizeof(struct ebpf_os_table) */
    uint32_t cpu_count; /* CPUs, at least 1 */
    void *context;
    /* size bytes aligned to align (a power of two) of non-paged memory; NULL when out. */
    void *(*pool_alloc)(void *context, size_t size, size_t align);
    /* Frees a pool_alloc block; size and align are those it was allocated with. */
    void (*pool_free)(void *context, void *ptr, size_t size, size_t align);
    /* size bytes of writable, non-executable memory for code; NULL when out. */
    void *(*exec_alloc)(void *context, size_t size);
    /* Makes an exec_alloc region read-execute, never writable again; 0 on success. */
    int32_t (*exec_protect)(void *context, void *ptr, size_t size);
    void (*exec_free)(void *context, void *ptr, size_t size);
    uint64_t (*monotonic_ns)(void *context);
    uint64_t (*boot_ns)(void *context);
    void (*random_bytes)(void *context, uint8_t *buf, size_t len);
    uint32_t (*current_cpu)(void *context); /* below cpu_count; a hint */
    /* One line of trace output, len bytes, not NUL-terminated. */
    void (*trace)(void *context, const char *line, size_t len);
    /* Stops the system (a bug check) after a library panic; must not return. */
    void (*fatal)(void *context, const char *message, size_t len);
} ebpf_os_table_t;

typedef struct ebpf_driver ebpf_driver_t; /* an execution context */
typedef struct ebpf_epoch ebpf_epoch_t;   /* a batch of invocations in one epoch guard */

/* Creates the execution context (eBPF for Windows platform) on `table` (copied). */
uint32_t ebpf_driver_init(const ebpf_os_table_t *table, ebpf_driver_t **out);

/* Drops every object, waits for running invocations, frees everything, removes the table.
 * No other call may be running or follow; every epoch must have exited. */
uint32_t ebpf_driver_teardown(ebpf_driver_t *driver);

/* The protocol entry point (what the IOCTL handler calls): one request in
 * request[0..request_len), its reply (success or error; docs/protocol.md) out in
 * reply[0..*reply_len). EBPF_DRIVER_SUCCESS whenever a reply was written, error replies
 * included (their status is in the reply's header); EBPF_DRIVER_INSUFFICIENT_BUFFER when
 * reply_cap is below the 16-byte header. Requests may come from several threads (they are
 * answered one at a time). Loading an ELF object verifies it inside the library. */
#define EBPF_PROTOCOL_VERSION 1u
#define EBPF_PROTOCOL_HEADER_LEN 16u
uint32_t ebpf_driver_handle(const ebpf_driver_t *driver, const uint8_t *request,
                            size_t request_len, uint8_t *reply, size_t reply_cap,
                            size_t *reply_len);

/* The ed25519 public keys (32 bytes each, `count` of them) one of which must have signed a
 * native image for LoadNativeImage to accept it; none by default (every image refused). */
uint32_t ebpf_driver_set_image_keys(const ebpf_driver_t *driver, const uint8_t *keys,
                                    size_t count);

/* A batch: enter once, invoke many times on this thread, exit. NULL when out of memory. */
ebpf_epoch_t *ebpf_driver_epoch_enter(const ebpf_driver_t *driver);
void ebpf_driver_epoch_exit(ebpf_epoch_t *epoch);

/* XDP verdicts (xdp_action_t). */
#define EBPF_XDP_PASS 1u
#define EBPF_XDP_DROP 2u
#define EBPF_XDP_TX 3u

/* The XDP hook: runs the program attached for `ifindex` (or for every interface) on the
 * packet data[0..len); the packet it leaves goes to out[0..*out_len), its verdict to
 * *verdict. No program attached: EBPF_XDP_PASS, packet unchanged. `epoch` may be NULL.
 * EBPF_DRIVER_INSUFFICIENT_BUFFER: out_cap < the packet's length, which is in *out_len (the
 * programs ran: what they did to maps stands). */
uint32_t ebpf_driver_xdp_invoke(const ebpf_driver_t *driver, ebpf_epoch_t *epoch,
                                uint32_t ifindex, const uint8_t *data, size_t len,
                                uint8_t *out, size_t out_cap, size_t *out_len,
                                uint32_t *verdict);

/* bind_action_t and bind_operation_t. */
#define EBPF_BIND_PERMIT 0u
#define EBPF_BIND_DENY 1u
#define EBPF_BIND_REDIRECT 2u
#define EBPF_BIND_PERMIT_HARD 3u
#define EBPF_BIND_OPERATION_BIND 0u
#define EBPF_BIND_OPERATION_POST_BIND 1u
#define EBPF_BIND_OPERATION_UNBIND 2u

typedef struct ebpf_bind_request {
    const uint8_t *app_id; /* the application id's bytes */
    size_t app_id_len;
    uint64_t process_id;
    uint8_t socket_address[16];
    uint8_t socket_address_length;
    uint8_t protocol; /* IPPROTO_TCP 6, IPPROTO_UDP 17 */
    uint8_t reserved[2];
    uint32_t operation;   /* EBPF_BIND_OPERATION_* */
    uint32_t compartment; /* unused, 0: the bind hook takes no attach parameter */
    uint32_t reserved2;
} ebpf_bind_request_t;

/* The bind hook (single attach): runs the attached program on the request; its
 * bind_action_t goes to *action (values other than 0, 2, 3 deny: EBPF_BIND_DENY). Unbinds
 * and requests with no program attached: EBPF_BIND_PERMIT. socket_address is a SOCKADDR_IN
 * (family, then port and IPv4 address in network order). */
uint32_t ebpf_driver_bind_invoke(const ebpf_driver_t *driver, ebpf_epoch_t *epoch,
                                 const ebpf_bind_request_t *request, uint32_t *action);

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L && UINTPTR_MAX == UINT64_MAX
_Static_assert(sizeof(ebpf_os_table_t) == 104, "ebpf_os_table_t matches the library");
_Static_assert(sizeof(ebpf_bind_request_t) == 56, "ebpf_bind_request_t matches the library");
#endif

#ifdef __cplusplus
}
#endif

#endif /* EBPF_DRIVER_H */
