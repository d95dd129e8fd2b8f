/* main.c: the driver simulation. It plays a kernel driver that links libebpf_driver_core.a:
 * gives it the simulated kernel's services (kos.c), loads an XDP object and a bind object
 * through protocol messages (proto.c), attaches them, plays the XDP hook provider from 4
 * threads and the bind hook provider over a set of requests, reads the maps back through the
 * protocol, checks every verdict and counter, detaches, tears the context down and checks
 * that its pool is empty. Exit status 0 only when every check passed.
 *
 * It also loads a signed native image (refused without its key and when a byte changed),
 * whose code the library places in the pages the simulated kernel gives (W^X).
 *
 * Usage: sim XDP_OBJECT BIND_OBJECT IMAGE IMAGE_PUBKEY [PACKETS_PER_THREAD] (see run.sh) */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ebpf_driver.h"
#include "kos.h"
#include "proto.h"

#define THREADS 4
#define XDP_IFINDEX 3u
#define OTHER_IFINDEX 7u
#define ATTACH_XDP 1u
#define ATTACH_BIND 2u

static int checks, failures;

#define CHECK(cond, ...)                                                                      \
    do {                                                                                      \
        checks++;                                                                             \
        if (!(cond)) {                                                                        \
            failures++;                                                                       \
            fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                              \
            fprintf(stderr, __VA_ARGS__);                                                     \
            fprintf(stderr, "\n");                                                            \
        }                                                                                     \
    } while (0)

static void report_error(const char *what, int status)
{
    if (status > 0)
        fprintf(stderr, "  %s: status %d, ebpf_result %u, errno %d, detail %u: %s\n", what,
                status, proto_last_error.result, proto_last_error.err,
                proto_last_error.detail, proto_last_error.message);
    else if (status < 0)
        fprintf(stderr, "  %s: malformed reply\n", what);
}

/* The user-mode side reads object files; the driver only sees their bytes in requests. */
static uint8_t xdp_object[1 << 20], bind_object[1 << 20];

static size_t read_file(const char *path, uint8_t *buf, size_t cap)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "cannot open %s\n", path);
        exit(2);
    }
    size_t n = fread(buf, 1, cap, f);
    fclose(f);
    return n;
}

static uint32_t find(const proto_object_t *objs, uint32_t n, uint32_t kind, const char *name)
{
    for (uint32_t i = 0; i < n; i++)
        if (objs[i].kind == kind && strcmp(objs[i].name, name) == 0)
            return objs[i].handle;
    CHECK(0, "the load reply names no %s %s", kind == KIND_MAP ? "map" : "program", name);
    return 0;
}

/* ---- The packets ---- */

#define SOURCES 12
#define PORTS 4
static const uint8_t source_ip[SOURCES][4] = {
    { 192, 168, 1, 1 }, { 192, 168, 1, 2 }, { 192, 168, 1, 3 }, { 192, 168, 1, 4 },
    { 192, 168, 1, 5 }, { 192, 168, 1, 6 }, { 192, 168, 1, 7 }, { 192, 168, 1, 8 },
    { 10, 0, 0, 1 },    { 10, 0, 0, 2 },    { 10, 1, 2, 3 },    { 10, 9, 9, 9 },
};
#define FIRST_BLOCKED 8 /* sources from here on are in 10.0.0.0/8, the blocked prefix */
static const uint16_t udp_port[PORTS] = { 53, 123, 443, 5353 };

enum kind { SHORT, ARP, IP_TRUNC, UDP, UDP_TRUNC, TCP, BLOCKED_UDP, BLOCKED_TCP, KINDS };

typedef struct packet {
    uint8_t bytes[64];
    size_t len;
    uint32_t ifindex;
    uint32_t verdict; /* expected */
    int source;       /* index counted in per_source, or -1 */
    int port;         /* index counted in udp_ports, or -1 */
} packet_t;

/* Packet `i`: its kind and fields follow from i alone, so every thread can rebuild it. */
static void make_packet(unsigned i, packet_t *p)
{
    memset(p, 0, sizeof *p);
    enum kind k = (enum kind)(i % KINDS);
    p->ifindex = (i % 16 == 15) ? OTHER_IFINDEX : XDP_IFINDEX;
    p->source = -1;
    p->port = -1;
    uint8_t *b = p->bytes;
    for (int j = 0; j < 6; j++) {
        b[j] = (uint8_t)(0x02 + j);     /* destination MAC */
        b[6 + j] = (uint8_t)(0x12 + j); /* source MAC */
    }
    b[12] = 0x08;
    b[13] = 0x00; /* IPv4 */
    int src = (k == BLOCKED_UDP || k == BLOCKED_TCP) ? FIRST_BLOCKED + (int)(i / KINDS) % 4
                                                     : (int)(i / KINDS) % FIRST_BLOCKED;
    uint8_t *ip = b + 14;
    ip[0] = 0x45;
    ip[8] = 64;
    memcpy(ip + 12, source_ip[src], 4);
    ip[16] = 192, ip[17] = 168, ip[18] = 1, ip[19] = 254;
    uint8_t *l4 = ip + 20;
    int port = (int)(i / KINDS) % PORTS;
    l4[0] = 0x30, l4[1] = 0x39; /* source port 12345 */
    l4[2] = (uint8_t)(udp_port[port] >> 8), l4[3] = (uint8_t)udp_port[port];
    switch (k) {
    case SHORT:
        p->len = 10;
        p->verdict = EBPF_XDP_DROP;
        break;
    case ARP:
        b[13] = 0x06;
        p->len = 42;
        p->verdict = EBPF_XDP_PASS;
        break;
    case IP_TRUNC:
        p->len = 14 + 10;
        p->verdict = EBPF_XDP_DROP;
        break;
    case UDP:
        ip[9] = 17;
        p->len = 14 + 20 + 8 + 12;
        p->verdict = EBPF_XDP_PASS;
        p->source = src;
        p->port = port;
        break;
    case UDP_TRUNC: /* win_udp finds no room for the UDP header */
        ip[9] = 17;
        p->len = 14 + 20 + 4;
        p->verdict = EBPF_XDP_DROP;
        p->source = src;
        break;
    case TCP:
        ip[9] = 6;
        p->len = 14 + 20 + 20;
        p->verdict = EBPF_XDP_PASS;
        p->source = src;
        break;
    case BLOCKED_UDP:
    case BLOCKED_TCP:
        ip[9] = k == BLOCKED_UDP ? 17 : 6;
        p->len = 14 + 20 + 20;
        p->verdict = EBPF_XDP_DROP;
        p->source = src;
        break;
    default:
        break;
    }
    if (p->ifindex != XDP_IFINDEX) { /* no program there: passes, counted nowhere */
        p->verdict = EBPF_XDP_PASS;
        p->source = -1;
        p->port = -1;
    }
}

/* What the threads saw, and what the maps must hold. */
typedef struct tally {
    uint64_t verdict[4];    /* by verdict, packets the program ran on */
    uint64_t source[SOURCES];
    uint64_t port[PORTS];
    uint64_t mismatches;    /* wrong verdict or changed packet */
    uint64_t errors;        /* invoke calls that failed */
} tally_t;

typedef struct worker {
    ebpf_driver_t *driver;
    unsigned first, count, stride;
    int expect_program; /* 0 after detach: everything passes */
    tally_t tally;
} worker_t;

static void *xdp_worker(void *arg)
{
    worker_t *w = arg;
    ebpf_epoch_t *epoch = NULL;
    for (unsigned n = 0; n < w->count; n++) {
        if (n % 64 == 0) { /* a batch per 64 packets, as a receive loop's */
            if (epoch != NULL)
                ebpf_driver_epoch_exit(epoch);
            epoch = ebpf_driver_epoch_enter(w->driver);
            if (epoch == NULL) {
                w->tally.errors++;
                return NULL;
            }
        }
        packet_t p;
        make_packet(w->first + n * w->stride, &p);
        uint8_t out[128];
        size_t out_len = 0;
        uint32_t verdict = 0;
        uint32_t rc = ebpf_driver_xdp_invoke(w->driver, (n % 7 == 3) ? NULL : epoch, p.ifindex,
                                             p.bytes, p.len, out, sizeof out, &out_len,
                                             &verdict);
        if (rc != EBPF_DRIVER_SUCCESS) {
            w->tally.errors++;
            continue;
        }
        uint32_t want = w->expect_program ? p.verdict : EBPF_XDP_PASS;
        if (verdict != want || out_len != p.len || memcmp(out, p.bytes, p.len) != 0)
            w->tally.mismatches++;
        if (w->expect_program && p.ifindex == XDP_IFINDEX) {
            w->tally.verdict[verdict & 3]++;
            if (p.source >= 0)
                w->tally.source[p.source]++;
            if (p.port >= 0)
                w->tally.port[p.port]++;
        }
    }
    if (epoch != NULL)
        ebpf_driver_epoch_exit(epoch);
    return NULL;
}

static void run_xdp(ebpf_driver_t *d, unsigned per_thread, int expect_program, tally_t *total)
{
    worker_t workers[THREADS];
    pthread_t threads[THREADS];
    memset(total, 0, sizeof *total);
    for (int t = 0; t < THREADS; t++) {
        memset(&workers[t], 0, sizeof workers[t]);
        workers[t].driver = d;
        workers[t].first = (unsigned)t;
        workers[t].count = per_thread;
        workers[t].stride = THREADS;
        workers[t].expect_program = expect_program;
        CHECK(pthread_create(&threads[t], NULL, xdp_worker, &workers[t]) == 0, "thread %d", t);
    }
    for (int t = 0; t < THREADS; t++) {
        pthread_join(threads[t], NULL);
        tally_t *w = &workers[t].tally;
        for (int v = 0; v < 4; v++)
            total->verdict[v] += w->verdict[v];
        for (int s = 0; s < SOURCES; s++)
            total->source[s] += w->source[s];
        for (int q = 0; q < PORTS; q++)
            total->port[q] += w->port[q];
        total->mismatches += w->mismatches;
        total->errors += w->errors;
    }
}

static uint64_t lookup_u64(ebpf_driver_t *d, uint32_t map, const void *key, uint32_t klen)
{
    uint64_t v = 0;
    int st = proto_map_lookup(d, map, key, klen, &v, sizeof v);
    CHECK(st == 0, "map lookup (map handle %u) failed", map);
    report_error("map lookup", st);
    return v;
}

/* ---- XDP ---- */

static void xdp_scenario(ebpf_driver_t *d, const uint8_t *object, size_t len, unsigned per_thread)
{
    proto_object_t objs[32];
    uint32_t n = 0;
    const char *functions[] = { "win_firewall" };
    uint64_t t0 = kos_now_ns(), c0 = kos_thread_cpu_ns();
    int st = proto_load_object(d, object, len, functions, 1, objs, 32, &n);
    uint64_t t1 = kos_now_ns(), c1 = kos_thread_cpu_ns();
    CHECK(st == 0, "loading the XDP object");
    report_error("load xdp", st);
    if (st != 0)
        return;
    printf("xdp: loaded (parsed, verified, installed) in the library in %.2f ms (%.2f ms of "
           "CPU): %u objects\n",
           (double)(t1 - t0) / 1e6, (double)(c1 - c0) / 1e6, n);
    uint32_t prog = find(objs, n, KIND_PROGRAM, "win_firewall");
    uint32_t blocked = find(objs, n, KIND_MAP, "blocked");
    uint32_t per_source = find(objs, n, KIND_MAP, "per_source");
    uint32_t verdicts = find(objs, n, KIND_MAP, "verdicts");
    uint32_t udp_ports = find(objs, n, KIND_MAP, "udp_ports");

    /* Block 10.0.0.0/8; start every counter at 0 so concurrent first hits count exactly. */
    uint8_t lpm_key[8] = { 8, 0, 0, 0, 10, 0, 0, 0 };
    uint32_t one = 1;
    st = proto_map_update(d, blocked, lpm_key, 8, &one, 4, 0);
    CHECK(st == 0, "blocking 10.0.0.0/8");
    report_error("update blocked", st);
    uint64_t zero = 0;
    for (int s = 0; s < SOURCES; s++)
        CHECK(proto_map_update(d, per_source, source_ip[s], 4, &zero, 8, 0) == 0,
              "seeding per_source");
    for (int q = 0; q < PORTS; q++)
        CHECK(proto_map_update(d, udp_ports, &udp_port[q], 2, &zero, 8, 0) == 0,
              "seeding udp_ports");

    uint32_t link = 0;
    st = proto_attach(d, prog, ATTACH_XDP, XDP_IFINDEX, &link);
    CHECK(st == 0, "attaching win_firewall to interface %u", XDP_IFINDEX);
    report_error("attach xdp", st);

    tally_t t;
    uint64_t r0 = kos_now_ns();
    run_xdp(d, per_thread, 1, &t);
    uint64_t r1 = kos_now_ns();
    unsigned total = per_thread * THREADS;
    printf("xdp: %u packets from %d threads in %.1f ms (%.0f ns each)\n", total, THREADS,
           (double)(r1 - r0) / 1e6, (double)(r1 - r0) / total);
    CHECK(t.errors == 0, "%llu XDP invocations failed", (unsigned long long)t.errors);
    CHECK(t.mismatches == 0, "%llu packets got a wrong verdict or came back changed",
          (unsigned long long)t.mismatches);

    /* The maps, read through the protocol, against what the hook provider saw. */
    for (uint32_t v = 1; v <= 2; v++) {
        uint64_t got = lookup_u64(d, verdicts, &v, 4);
        CHECK(got == t.verdict[v], "verdicts[%u] = %llu, the hook returned it %llu times", v,
              (unsigned long long)got, (unsigned long long)t.verdict[v]);
        printf("xdp: verdicts[%s] = %llu\n", v == 1 ? "XDP_PASS" : "XDP_DROP",
               (unsigned long long)got);
    }
    for (int s = 0; s < SOURCES; s++) {
        uint64_t got = lookup_u64(d, per_source, source_ip[s], 4);
        CHECK(got == t.source[s], "per_source[%u.%u.%u.%u] = %llu, expected %llu",
              source_ip[s][0], source_ip[s][1], source_ip[s][2], source_ip[s][3],
              (unsigned long long)got, (unsigned long long)t.source[s]);
    }
    for (int q = 0; q < PORTS; q++) {
        uint64_t got = lookup_u64(d, udp_ports, &udp_port[q], 2);
        CHECK(got == t.port[q], "udp_ports[%u] = %llu, expected %llu", udp_port[q],
              (unsigned long long)got, (unsigned long long)t.port[q]);
    }
    /* Independently of the threads' tallies: every packet's expectation, summed. */
    uint64_t want_pass = 0, want_drop = 0;
    for (unsigned i = 0; i < total; i++) {
        packet_t p;
        make_packet(i, &p);
        if (p.ifindex == XDP_IFINDEX)
            *(p.verdict == EBPF_XDP_PASS ? &want_pass : &want_drop) += 1;
    }
    CHECK(t.verdict[1] == want_pass && t.verdict[2] == want_drop,
          "pass/drop %llu/%llu, expected %llu/%llu", (unsigned long long)t.verdict[1],
          (unsigned long long)t.verdict[2], (unsigned long long)want_pass,
          (unsigned long long)want_drop);

    /* The invoke entry point's own checks. */
    {
        packet_t p;
        make_packet(3, &p); /* a UDP packet, 54 bytes */
        uint8_t out[16];
        size_t out_len = 0;
        uint32_t verdict = 0;
        uint32_t rc = ebpf_driver_xdp_invoke(d, NULL, XDP_IFINDEX, p.bytes, p.len, out,
                                             sizeof out, &out_len, &verdict);
        CHECK(rc == EBPF_DRIVER_INSUFFICIENT_BUFFER && out_len == p.len,
              "a too-small output buffer: rc %u, needed %zu", rc, out_len);
        rc = ebpf_driver_xdp_invoke(d, NULL, XDP_IFINDEX, NULL, 10, out, sizeof out, &out_len,
                                    &verdict);
        CHECK(rc == EBPF_DRIVER_INVALID_ARGUMENT, "a NULL packet: rc %u", rc);
        rc = ebpf_driver_xdp_invoke(d, NULL, XDP_IFINDEX, p.bytes, p.len, out, sizeof out,
                                    NULL, &verdict);
        CHECK(rc == EBPF_DRIVER_INVALID_ARGUMENT, "a NULL output length: rc %u", rc);
        uint32_t v = 1;
        uint64_t pass_now = lookup_u64(d, verdicts, &v, 4);
        CHECK(pass_now == t.verdict[1] + 1, "the run with the small buffer still counted");
        t.verdict[1] += 1;
        want_pass += 1;
        t.source[p.source] += 1;
        t.port[p.port] += 1;
    }

    /* Detach: every packet passes untouched, no counter moves. */
    st = proto_detach(d, link);
    CHECK(st == 0, "detaching the XDP link");
    report_error("detach xdp", st);
    run_xdp(d, per_thread / 8 + 1, 0, &t);
    CHECK(t.errors == 0 && t.mismatches == 0, "after detach: %llu errors, %llu mismatches",
          (unsigned long long)t.errors, (unsigned long long)t.mismatches);
    uint32_t pass = 1;
    CHECK(lookup_u64(d, verdicts, &pass, 4) == want_pass, "verdicts moved after detach");
    CHECK(proto_close(d, link) == 0, "closing the detached link's handle");
    CHECK(proto_close(d, blocked) == 0, "closing a map handle");
    /* The other handles stay open: teardown must free them. */
}

/* ---- Bind ---- */

typedef struct bind_case {
    uint16_t port;
    uint64_t pid;
    const char *app;
    uint32_t operation;
    uint32_t action; /* expected */
} bind_case_t;

static const bind_case_t bind_cases[] = {
    { 23, 100, "telnetd", EBPF_BIND_OPERATION_BIND, EBPF_BIND_DENY },
    { 80, 4, "system", EBPF_BIND_OPERATION_BIND, EBPF_BIND_PERMIT_HARD },
    { 8080, 200, "deny-me", EBPF_BIND_OPERATION_BIND, EBPF_BIND_DENY },
    { 8080, 200, "svchost", EBPF_BIND_OPERATION_BIND, EBPF_BIND_PERMIT },
    { 5353, 300, "dns", EBPF_BIND_OPERATION_POST_BIND, EBPF_BIND_PERMIT },
    { 23, 300, "telnetd", EBPF_BIND_OPERATION_UNBIND, EBPF_BIND_PERMIT },
};
#define BIND_CASES (sizeof bind_cases / sizeof bind_cases[0])

static uint32_t invoke_bind(ebpf_driver_t *d, ebpf_epoch_t *epoch, const bind_case_t *c,
                            uint32_t *action)
{
    ebpf_bind_request_t r;
    memset(&r, 0, sizeof r);
    r.app_id = (const uint8_t *)c->app;
    r.app_id_len = strlen(c->app);
    r.process_id = c->pid;
    r.socket_address[0] = 2; /* AF_INET, little-endian u16 */
    r.socket_address[2] = (uint8_t)(c->port >> 8);
    r.socket_address[3] = (uint8_t)c->port;
    r.socket_address_length = 16;
    r.protocol = 6;
    r.operation = c->operation;
    return ebpf_driver_bind_invoke(d, epoch, &r, action);
}

static void bind_scenario(ebpf_driver_t *d, const uint8_t *object, size_t len, unsigned rounds)
{
    proto_object_t objs[8];
    uint32_t n = 0;
    uint64_t t0 = kos_now_ns(), c0 = kos_thread_cpu_ns();
    int st = proto_load_object(d, object, len, NULL, 0, objs, 8, &n);
    uint64_t t1 = kos_now_ns(), c1 = kos_thread_cpu_ns();
    CHECK(st == 0, "loading the bind object");
    report_error("load bind", st);
    if (st != 0)
        return;
    printf("bind: loaded (parsed, verified, installed) in the library in %.2f ms (%.2f ms of "
           "CPU)\n",
           (double)(t1 - t0) / 1e6, (double)(c1 - c0) / 1e6);
    uint32_t prog = find(objs, n, KIND_PROGRAM, "sim_bind");
    uint32_t actions = find(objs, n, KIND_MAP, "actions");
    uint32_t per_process = find(objs, n, KIND_MAP, "per_process");

    /* Before attaching: the hook permits. */
    uint32_t action = 99;
    uint32_t rc = invoke_bind(d, NULL, &bind_cases[0], &action);
    CHECK(rc == EBPF_DRIVER_SUCCESS && action == EBPF_BIND_PERMIT,
          "bind without a program: rc %u action %u (want permit)", rc, action);

    uint32_t link = 0;
    st = proto_attach(d, prog, ATTACH_BIND, 0, &link);
    CHECK(st == 0, "attaching sim_bind (every compartment)");
    report_error("attach bind", st);

    uint64_t want_actions[4] = { 0 }, want_pid[3] = { 0 };
    const uint64_t pids[3] = { 4, 100, 200 };
    ebpf_epoch_t *epoch = ebpf_driver_epoch_enter(d);
    CHECK(epoch != NULL, "entering an epoch");
    unsigned wrong = 0;
    for (unsigned r = 0; r < rounds; r++) {
        for (size_t i = 0; i < BIND_CASES; i++) {
            const bind_case_t *c = &bind_cases[i];
            action = 99;
            rc = invoke_bind(d, epoch, c, &action);
            if (rc != EBPF_DRIVER_SUCCESS || action != c->action) {
                if (wrong++ < 5)
                    fprintf(stderr, "  bind case %zu: rc %u action %u, want %u\n", i, rc, action,
                            c->action);
                continue;
            }
            if (c->operation != EBPF_BIND_OPERATION_UNBIND) {
                want_actions[c->action]++;
                for (int k = 0; k < 3; k++)
                    if (pids[k] == c->pid)
                        want_pid[k]++;
            }
        }
    }
    if (epoch != NULL)
        ebpf_driver_epoch_exit(epoch);
    CHECK(wrong == 0, "%u bind requests got a wrong action", wrong);
    printf("bind: %u requests, %u with the expected action\n", rounds * (unsigned)BIND_CASES,
           rounds * (unsigned)BIND_CASES - wrong);
    for (uint32_t a = 0; a < 4; a++) {
        uint64_t got = lookup_u64(d, actions, &a, 4);
        CHECK(got == want_actions[a], "actions[%u] = %llu, expected %llu", a,
              (unsigned long long)got, (unsigned long long)want_actions[a]);
    }
    for (int k = 0; k < 3; k++) {
        uint64_t got = lookup_u64(d, per_process, &pids[k], 8);
        CHECK(got == want_pid[k], "per_process[%llu] = %llu, expected %llu",
              (unsigned long long)pids[k], (unsigned long long)got,
              (unsigned long long)want_pid[k]);
    }
    st = proto_detach(d, link);
    CHECK(st == 0, "detaching the bind link");
    action = 99;
    rc = invoke_bind(d, NULL, &bind_cases[0], &action);
    CHECK(rc == EBPF_DRIVER_SUCCESS && action == EBPF_BIND_PERMIT,
          "bind after detach: rc %u action %u (want permit)", rc, action);
}

/* ---- A signed native image ---- */

static uint8_t image[1 << 20];

/* KEY.pub of `ebpf keygen`: "ebpf-ed25519-public-key <64 hex digits>". */
static int parse_pub(const char *text, uint8_t key[32])
{
    const char *hex = strrchr(text, ' ');
    if (hex == NULL)
        return -1;
    hex++;
    for (int i = 0; i < 32; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1)
            return -1;
        key[i] = (uint8_t)v;
    }
    return 0;
}

static void image_scenario(ebpf_driver_t *d, const char *image_path, const char *pub_path)
{
    size_t len = read_file(image_path, image, sizeof image);
    char pub_text[256] = { 0 };
    read_file(pub_path, (uint8_t *)pub_text, sizeof pub_text - 1);
    uint8_t key[32];
    CHECK(parse_pub(pub_text, key) == 0, "reading the public key %s", pub_path);
    proto_object_t objs[32];
    uint32_t n = 0;

    /* No trusted key yet: refused. */
    int st = proto_load_image(d, image, len, objs, 32, &n);
    CHECK(st > 0, "an image is refused while no key is trusted (status %d)", st);
    printf("image: without a trusted key: refused: %s\n", proto_last_error.message);
    CHECK(ebpf_driver_set_image_keys(d, key, 1) == EBPF_DRIVER_SUCCESS, "trusting the key");
    /* A changed byte: refused. */
    image[len / 2] ^= 0x40;
    st = proto_load_image(d, image, len, objs, 32, &n);
    CHECK(st > 0, "a tampered image is refused (status %d)", st);
    printf("image: one byte changed: refused: %s\n", proto_last_error.message);
    image[len / 2] ^= 0x40;

    kos_usage_t before = kos_usage();
    uint64_t t0 = kos_now_ns(), c0 = kos_thread_cpu_ns();
    st = proto_load_image(d, image, len, objs, 32, &n);
    uint64_t t1 = kos_now_ns(), c1 = kos_thread_cpu_ns();
    CHECK(st == 0, "loading the signed image");
    report_error("load image", st);
    if (st != 0)
        return;
    kos_usage_t after = kos_usage();
    printf("image: loaded in %.2f ms (%.2f ms of CPU; signature, platform hash, maps, code): "
           "%u objects, %zu code regions made read-execute\n",
           (double)(t1 - t0) / 1e6, (double)(c1 - c0) / 1e6, n,
           after.exec_made_rx - before.exec_made_rx);
    CHECK(after.exec_made_rx > before.exec_made_rx, "the image's code went to W^X pages");
    uint32_t prog = find(objs, n, KIND_PROGRAM, "win_firewall");
    uint32_t verdicts = find(objs, n, KIND_MAP, "verdicts");
    uint32_t link = 0;
    st = proto_attach(d, prog, ATTACH_XDP, 5, &link);
    CHECK(st == 0, "attaching the image's win_firewall to interface 5");
    report_error("attach image", st);

    /* Its own maps: nothing blocked, so blocked sources pass here. */
    uint64_t pass = 0, drop = 0;
    unsigned wrong = 0;
    for (unsigned i = 0; i < 400; i++) {
        packet_t p;
        make_packet(i, &p);
        if (p.ifindex != XDP_IFINDEX)
            continue;
        enum kind k = (enum kind)(i % KINDS);
        uint32_t want = (k == BLOCKED_UDP || k == BLOCKED_TCP) ? EBPF_XDP_PASS : p.verdict;
        uint8_t out[128];
        size_t out_len = 0;
        uint32_t verdict = 0;
        uint32_t rc = ebpf_driver_xdp_invoke(d, NULL, 5, p.bytes, p.len, out, sizeof out,
                                             &out_len, &verdict);
        if (rc != EBPF_DRIVER_SUCCESS || verdict != want || out_len != p.len)
            wrong++;
        *(want == EBPF_XDP_PASS ? &pass : &drop) += 1;
    }
    CHECK(wrong == 0, "%u packets got a wrong verdict from the image's program", wrong);
    uint32_t v = 1;
    uint64_t got_pass = lookup_u64(d, verdicts, &v, 4);
    v = 2;
    uint64_t got_drop = lookup_u64(d, verdicts, &v, 4);
    CHECK(got_pass == pass && got_drop == drop,
          "image verdicts pass/drop %llu/%llu, expected %llu/%llu",
          (unsigned long long)got_pass, (unsigned long long)got_drop,
          (unsigned long long)pass, (unsigned long long)drop);
    printf("image: %llu packets on its native code: pass %llu, drop %llu\n",
           (unsigned long long)(pass + drop), (unsigned long long)got_pass,
           (unsigned long long)got_drop);
    CHECK(proto_detach(d, link) == 0, "detaching the image's link");
    /* The link and program handles stay open: teardown frees them and the code pages. */
}

/* ---- Malformed requests: error replies, never a crash ---- */

static void bad_requests(ebpf_driver_t *d)
{
    uint8_t req[32] = { 1, 0, 11, 0, 9, 0, 0, 0, 200, 0, 0, 0 }; /* claims 200 payload bytes */
    CHECK(proto_raw(d, req, 16) > 0, "a truncated load request gets an error reply");
    CHECK(proto_raw(d, req, 5) > 0, "a short header gets an error reply");
    uint8_t wrong_version[16] = { 9, 0, 24, 0, 1, 0, 0, 0 };
    CHECK(proto_raw(d, wrong_version, 16) > 0, "a wrong version gets an error reply");
    uint8_t unknown_op[16] = { 1, 0, 0xff, 0x7f, 1, 0, 0, 0 };
    CHECK(proto_raw(d, unknown_op, 16) > 0, "an unknown operation gets an error reply");
    CHECK(proto_close(d, 4242) > 0, "closing a handle never opened is an error");
    size_t n = 0;
    uint8_t small[8];
    CHECK(ebpf_driver_handle(d, req, 16, small, sizeof small, &n) ==
              EBPF_DRIVER_INSUFFICIENT_BUFFER && n == 0,
          "a reply buffer below the header is refused");
    uint8_t junk[200];
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (uint8_t)(i * 37 + 11);
    junk[0] = 1, junk[1] = 0, junk[2] = 11, junk[3] = 0;
    junk[8] = 184, junk[9] = 0, junk[10] = 0, junk[11] = 0;
    CHECK(proto_raw(d, junk, sizeof junk) > 0, "a load request of junk gets an error reply");
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s XDP_OBJECT BIND_OBJECT IMAGE IMAGE_PUBKEY [PACKETS]\n",
                argv[0]);
        return 2;
    }
    unsigned per_thread = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 2000;
    size_t xdp_len = read_file(argv[1], xdp_object, sizeof xdp_object);
    size_t bind_len = read_file(argv[2], bind_object, sizeof bind_object);

    ebpf_os_table_t table;
    kos_table(&table, THREADS);
    ebpf_driver_t *d = NULL;
    CHECK(ebpf_driver_init(&table, &d) == EBPF_DRIVER_SUCCESS && d != NULL, "init");
    if (d == NULL)
        return 1;
    ebpf_driver_t *second = NULL;
    CHECK(ebpf_driver_init(&table, &second) == EBPF_DRIVER_ALREADY_INITIALIZED,
          "a second context is refused while one exists");
    ebpf_os_table_t bad = table;
    bad.size = 8;
    CHECK(ebpf_driver_init(&bad, &second) != EBPF_DRIVER_SUCCESS, "a table of another size");

    bad_requests(d);
    xdp_scenario(d, xdp_object, xdp_len, per_thread);
    bind_scenario(d, bind_object, bind_len, 50);
    image_scenario(d, argv[3], argv[4]);
    CHECK(proto_epoch_synchronize(d) == 0, "epoch synchronize");

    kos_usage_t before = kos_usage();
    printf("pool before teardown: %zu bytes in %zu blocks (peak %zu bytes, %zu allocations, "
           "%zu bytes of arena carved)\n",
           before.pool_bytes, before.pool_blocks, before.pool_peak, before.pool_allocs,
           before.arena_used);
    CHECK(ebpf_driver_teardown(d) == EBPF_DRIVER_SUCCESS, "teardown");
    kos_usage_t after = kos_usage();
    printf("pool after teardown: %zu bytes in %zu blocks; code regions live: %zu (%zu made "
           "read-execute in all)\n",
           after.pool_bytes, after.pool_blocks, after.exec_regions, after.exec_made_rx);
    CHECK(after.pool_bytes == 0 && after.pool_blocks == 0,
          "the pool is empty after teardown (%zu bytes in %zu blocks left)", after.pool_bytes,
          after.pool_blocks);
    CHECK(after.exec_regions == 0, "%zu code regions left", after.exec_regions);
    CHECK(after.pool_failed == 0, "%zu pool allocations failed", after.pool_failed);
    CHECK(kos_pool_check() == 0, "the pool's free lists are consistent");

    /* A second life: init again after teardown works on the same table. */
    CHECK(ebpf_driver_init(&table, &d) == EBPF_DRIVER_SUCCESS, "init after teardown");
    CHECK(ebpf_driver_teardown(d) == EBPF_DRIVER_SUCCESS, "second teardown");
    CHECK(kos_usage().pool_blocks == 0, "the pool is empty after the second teardown");

    printf("%d checks, %d failed\n", checks, failures);
    return failures == 0 ? 0 : 1;
}
