/* proto.c: the protocol requests of proto.h, encoded and their replies decoded by hand. */
#include "proto.h"

#include <stdio.h>
#include <string.h>

#define REQUEST_CAP ((size_t)4 << 20)
#define REPLY_CAP ((size_t)64 << 10)

static uint8_t request[REQUEST_CAP];
static uint8_t reply[REPLY_CAP];
static size_t request_len;
static int request_overflow;
static uint32_t next_request_id = 1;

proto_error_t proto_last_error;

static void put(const void *bytes, size_t n)
{
    if (request_len + n > REQUEST_CAP) {
        request_overflow = 1;
        return;
    }
    memcpy(request + request_len, bytes, n);
    request_len += n;
}

static void put_u8(uint8_t v) { put(&v, 1); }

static void put_u16(uint16_t v)
{
    uint8_t b[2] = { (uint8_t)v, (uint8_t)(v >> 8) };
    put(b, 2);
}

static void put_u32(uint32_t v)
{
    uint8_t b[4] = { (uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24) };
    put(b, 4);
}

static void put_u64(uint64_t v)
{
    put_u32((uint32_t)v);
    put_u32((uint32_t)(v >> 32));
}

static void put_bytes(const void *bytes, size_t n)
{
    put_u32((uint32_t)n);
    put(bytes, n);
}

static void put_str(const char *s) { put_bytes(s, strlen(s)); }

static void begin(uint16_t op)
{
    request_len = 0;
    request_overflow = 0;
    put_u16(EBPF_PROTOCOL_VERSION);
    put_u16(op);
    put_u32(next_request_id++);
    put_u32(0); /* payload length, patched by send() */
    put_u32(0); /* status */
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint16_t get_u16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

/* A cursor over a reply's payload. */
typedef struct cursor {
    const uint8_t *p;
    size_t left;
    int bad;
} cursor_t;

static uint32_t take_u32(cursor_t *c)
{
    if (c->left < 4) {
        c->bad = 1;
        return 0;
    }
    uint32_t v = get_u32(c->p);
    c->p += 4;
    c->left -= 4;
    return v;
}

static const uint8_t *take_bytes(cursor_t *c, uint32_t *n)
{
    *n = take_u32(c);
    if (c->bad || c->left < *n) {
        c->bad = 1;
        return NULL;
    }
    const uint8_t *b = c->p;
    c->p += *n;
    c->left -= *n;
    return b;
}

/* Sends the request built since begin(); checks the reply's header; returns its status, or
 * -1 for a reply that breaks the protocol. The payload is left in *payload. */
static int send(ebpf_driver_t *d, cursor_t *payload)
{
    if (request_overflow) {
        fprintf(stderr, "proto: request larger than %zu bytes\n", REQUEST_CAP);
        return -1;
    }
    uint32_t length = (uint32_t)(request_len - EBPF_PROTOCOL_HEADER_LEN);
    memcpy(request + 8, (uint8_t[4]){ (uint8_t)length, (uint8_t)(length >> 8),
                                      (uint8_t)(length >> 16), (uint8_t)(length >> 24) }, 4);
    size_t n = 0;
    uint32_t rc = ebpf_driver_handle(d, request, request_len, reply, REPLY_CAP, &n);
    if (rc != EBPF_DRIVER_SUCCESS || n < EBPF_PROTOCOL_HEADER_LEN) {
        fprintf(stderr, "proto: no reply (rc %u, %zu bytes)\n", rc, n);
        return -1;
    }
    uint16_t version = get_u16(reply), op = get_u16(reply + 2);
    uint32_t id = get_u32(reply + 4), plen = get_u32(reply + 8), status = get_u32(reply + 12);
    if (version != EBPF_PROTOCOL_VERSION || op != get_u16(request + 2) ||
        id != get_u32(request + 4) || plen != n - EBPF_PROTOCOL_HEADER_LEN) {
        fprintf(stderr, "proto: reply header mismatch (version %u op %u id %u length %u)\n",
                version, op, id, plen);
        return -1;
    }
    payload->p = reply + EBPF_PROTOCOL_HEADER_LEN;
    payload->left = plen;
    payload->bad = 0;
    if (status != 0) {
        memset(&proto_last_error, 0, sizeof proto_last_error);
        proto_last_error.status = status;
        proto_last_error.result = take_u32(payload);
        proto_last_error.err = (int32_t)take_u32(payload);
        proto_last_error.detail = take_u32(payload);
        uint32_t mlen = 0;
        const uint8_t *m = take_bytes(payload, &mlen);
        if (m != NULL) {
            size_t k = mlen < sizeof proto_last_error.message - 1
                           ? mlen : sizeof proto_last_error.message - 1;
            memcpy(proto_last_error.message, m, k);
        }
        return payload->bad ? -1 : (int)status;
    }
    return 0;
}

static int objects(cursor_t *c, proto_object_t *out, uint32_t cap, uint32_t *count)
{
    uint32_t n = take_u32(c);
    *count = 0;
    for (uint32_t i = 0; i < n && !c->bad; i++) {
        proto_object_t o;
        memset(&o, 0, sizeof o);
        o.kind = take_u32(c);
        o.handle = take_u32(c);
        o.id = take_u32(c);
        uint32_t len = 0;
        const uint8_t *name = take_bytes(c, &len);
        if (name != NULL)
            memcpy(o.name, name, len < sizeof o.name - 1 ? len : sizeof o.name - 1);
        if (*count < cap)
            out[(*count)++] = o;
    }
    return c->bad || c->left != 0 ? -1 : 0;
}

int proto_load_object(ebpf_driver_t *d, const uint8_t *object, size_t len,
                      const char *const *functions, uint32_t nfunctions,
                      proto_object_t *out, uint32_t cap, uint32_t *count)
{
    begin(OP_LOAD_OBJECT);
    put_u8(0); /* engine: the context's default (the interpreter in the library) */
    put_u8(0); /* no program type override */
    put_u32(nfunctions);
    for (uint32_t i = 0; i < nfunctions; i++)
        put_str(functions[i]);
    put_bytes(object, len);
    cursor_t c;
    int status = send(d, &c);
    return status != 0 ? status : objects(&c, out, cap, count);
}

int proto_load_image(ebpf_driver_t *d, const uint8_t *image, size_t len, proto_object_t *out,
                     uint32_t cap, uint32_t *count)
{
    begin(OP_LOAD_NATIVE_IMAGE);
    put_bytes(image, len);
    cursor_t c;
    int status = send(d, &c);
    return status != 0 ? status : objects(&c, out, cap, count);
}

int proto_attach(ebpf_driver_t *d, uint32_t program, uint32_t attach_type, uint64_t parameter,
                 uint32_t *link)
{
    begin(OP_ATTACH);
    put_u32(program);
    put_u32(attach_type);
    put_u64(parameter);
    cursor_t c;
    int status = send(d, &c);
    if (status != 0)
        return status;
    *link = take_u32(&c);
    uint32_t kind = take_u32(&c);
    (void)take_u32(&c); /* id */
    return c.bad || c.left != 0 || kind != KIND_LINK ? -1 : 0;
}

int proto_detach(ebpf_driver_t *d, uint32_t link)
{
    begin(OP_DETACH);
    put_u32(link);
    cursor_t c;
    int status = send(d, &c);
    return status != 0 ? status : (c.left != 0 ? -1 : 0);
}

int proto_map_update(ebpf_driver_t *d, uint32_t map, const void *key, uint32_t klen,
                     const void *value, uint32_t vlen, uint64_t flags)
{
    begin(OP_MAP_UPDATE);
    put_u32(map);
    put_bytes(key, klen);
    put_bytes(value, vlen);
    put_u64(flags);
    cursor_t c;
    int status = send(d, &c);
    return status != 0 ? status : (c.left != 0 ? -1 : 0);
}

int proto_map_lookup(ebpf_driver_t *d, uint32_t map, const void *key, uint32_t klen,
                     void *value, uint32_t vlen)
{
    begin(OP_MAP_LOOKUP);
    put_u32(map);
    put_bytes(key, klen);
    cursor_t c;
    int status = send(d, &c);
    if (status != 0)
        return status;
    uint32_t n = 0;
    const uint8_t *v = take_bytes(&c, &n);
    if (v == NULL || n != vlen || c.left != 0)
        return -1;
    memcpy(value, v, n);
    return 0;
}

int proto_close(ebpf_driver_t *d, uint32_t handle)
{
    begin(OP_CLOSE_HANDLE);
    put_u32(handle);
    cursor_t c;
    int status = send(d, &c);
    return status != 0 ? status : (c.left != 0 ? -1 : 0);
}

int proto_next_id(ebpf_driver_t *d, uint32_t kind, uint32_t after, uint32_t *id)
{
    begin(OP_NEXT_ID);
    put_u32(kind);
    put_u32(after);
    cursor_t c;
    int status = send(d, &c);
    if (status != 0)
        return status;
    *id = take_u32(&c);
    return c.bad || c.left != 0 ? -1 : 0;
}

int proto_epoch_synchronize(ebpf_driver_t *d)
{
    begin(OP_EPOCH_SYNCHRONIZE);
    cursor_t c;
    int status = send(d, &c);
    return status != 0 ? status : (c.left != 0 ? -1 : 0);
}

int proto_raw(ebpf_driver_t *d, const uint8_t *bytes, size_t len)
{
    size_t n = 0;
    uint32_t rc = ebpf_driver_handle(d, bytes, len, reply, REPLY_CAP, &n);
    if (rc != EBPF_DRIVER_SUCCESS || n < EBPF_PROTOCOL_HEADER_LEN)
        return -1;
    return (int)get_u32(reply + 12);
}
