/* proto.h: protocol requests encoded by hand, as a driver's user-mode peer or the driver
 * itself would (kernel-host/src/protocol: a 16-byte little-endian header, then fixed-width
 * little-endian fields, byte strings and strings as a u32 length and the bytes, presence
 * bytes before optional fields). No allocation: one static request and reply buffer. */
#ifndef PROTO_H
#define PROTO_H

#include <stddef.h>
#include <stdint.h>

#include "ebpf_driver.h"

enum proto_op {
    OP_MAP_LOOKUP = 2,
    OP_MAP_UPDATE = 3,
    OP_LOAD_OBJECT = 11,
    OP_LOAD_NATIVE_IMAGE = 12,
    OP_ATTACH = 13,
    OP_DETACH = 14,
    OP_NEXT_ID = 21,
    OP_CLOSE_HANDLE = 24,
    OP_EPOCH_SYNCHRONIZE = 25,
};

enum { KIND_PROGRAM = 1, KIND_MAP = 2, KIND_LINK = 3 };

/* One object a load created. */
typedef struct proto_object {
    uint32_t kind, handle, id;
    char name[64];
} proto_object_t;

/* The last error reply (status != 0). */
typedef struct proto_error {
    uint32_t status, result, detail;
    int32_t err;
    char message[512];
} proto_error_t;

extern proto_error_t proto_last_error;

/* Each returns the reply's status: 0 success, else the error kind (proto_last_error holds
 * the rest); -1 when the reply itself is malformed (a failed check). */
int proto_load_object(ebpf_driver_t *d, const uint8_t *object, size_t len,
                      const char *const *functions, uint32_t nfunctions,
                      proto_object_t *out, uint32_t cap, uint32_t *count);
int proto_load_image(ebpf_driver_t *d, const uint8_t *image, size_t len, proto_object_t *out,
                     uint32_t cap, uint32_t *count);
int proto_attach(ebpf_driver_t *d, uint32_t program, uint32_t attach_type, uint64_t parameter,
                 uint32_t *link);
int proto_detach(ebpf_driver_t *d, uint32_t link);
int proto_map_update(ebpf_driver_t *d, uint32_t map, const void *key, uint32_t klen,
                     const void *value, uint32_t vlen, uint64_t flags);
int proto_map_lookup(ebpf_driver_t *d, uint32_t map, const void *key, uint32_t klen,
                     void *value, uint32_t vlen);
int proto_close(ebpf_driver_t *d, uint32_t handle);
int proto_next_id(ebpf_driver_t *d, uint32_t kind, uint32_t after, uint32_t *id);
int proto_epoch_synchronize(ebpf_driver_t *d);
/* Sends raw bytes as a request; returns the reply's status (or -1 if no reply came back). */
int proto_raw(ebpf_driver_t *d, const uint8_t *bytes, size_t len);

#endif /* PROTO_H */
