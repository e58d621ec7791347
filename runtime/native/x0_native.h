/*
 * x0tta6bl4 native module: the engine-facing half of the host layer.
 *
 * One file per concern: x0_errors.c (errno -> JS errors), x0_bytes.c (JS byte
 * views), x0_files.c (atomic writes, bounded reads), x0_addr.c (sockaddr <-> JS objects), x0_socket.c (non-blocking sockets,
 * sendmsg/recvmsg), x0_sys.c (clock, syslog, interfaces, files, resources),
 * x0_nlattr.c (netlink attribute decoding, the hot path of every dump), x0_crypto.c
 * (CSPRNG, SHA-256, EC keys, signatures, CSRs on mbedTLS; x0_mbedtls.h), x0_tls.c
 * (mutual TLS on mbedTLS over our non-blocking sockets), x0_int8.c (the anomaly model's
 * int8 forward pass).
 * x0_module.c assembles them into the "x0tta6bl4:native" ES module. Later parts
 * (BPF maps) add a file and one line to the part table there.
 */
#ifndef X0_NATIVE_H
#define X0_NATIVE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include "quickjs.h"

#define X0_NATIVE_MODULE_NAME "x0tta6bl4:native"

/* A part of the native module: a function/constant list exported by name. */
typedef struct x0_part {
    const JSCFunctionListEntry *entries;
    int count;
} x0_part;

extern const x0_part x0_errors_part;
extern const x0_part x0_bytes_part;
extern const x0_part x0_socket_part;
extern const x0_part x0_files_part;
extern const x0_part x0_sys_part;
extern const x0_part x0_nlattr_part;
extern const x0_part x0_crypto_part;
extern const x0_part x0_tls_part;
extern const x0_part x0_int8_part;

JSModuleDef *x0_init_native_module(JSContext *ctx, const char *name);

/* Throw an Error whose message is "<op>: <strerror(err)>" with .errno and .code. */
JSValue x0_throw_errno(JSContext *ctx, const char *op, int err);
/* Same, naming a subject: "<op> <subject>: <strerror(err)>". */
JSValue x0_throw_errno_subject(JSContext *ctx, const char *op, const char *subject, int err);
const char *x0_errno_name(int err);

/* Borrow the bytes of an ArrayBuffer or typed array (valid until JS runs again). */
int x0_get_bytes(JSContext *ctx, JSValueConst v, uint8_t **ptr, size_t *len);
/* Bytes of `v` restricted to [offset, offset+length) from optional JS arguments. */
int x0_get_byte_range(JSContext *ctx, int argc, JSValueConst *argv, int first,
                      uint8_t **ptr, size_t *len);

/* Socket addresses: JS object {family, ...} <-> struct sockaddr_storage. */
int x0_addr_from_js(JSContext *ctx, JSValueConst obj, struct sockaddr_storage *ss,
                    socklen_t *len);
JSValue x0_addr_to_js(JSContext *ctx, const struct sockaddr_storage *ss, socklen_t len);

#endif
