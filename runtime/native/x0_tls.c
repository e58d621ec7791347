/*
 * TLS on mbedTLS over our non-blocking sockets (runtime/src/host/quickjs/tls.ts drives
 * it from the event loop). TLS 1.2, and 1.3 where the library has it (3.6); mutual
 * authentication: both ends REQUIRE the peer's chain, verified against the trust bundle
 * given, and present their own (a client may present none: SPIRE node attestation). ALPN; the peer's chain goes back to JS as DER.
 *
 * Two opaque objects: a config (own chain, key, trust bundle, ALPN list; one per
 * identity, shared by many connections) and a session (one connection on one fd,
 * keeping its config alive: the C struct is counted, see tls_config.refs). The BIO is the fd itself: send/recv that map EAGAIN to
 * WANT_WRITE/WANT_READ, so handshake, read and write return "want read/write" and
 * the JS side waits for that readiness. This file never closes the fd.
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include "mbedtls/error.h"
#include "mbedtls/net_sockets.h" /* MBEDTLS_ERR_NET_* codes only */
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"
#include "x0_mbedtls.h"
#include "x0_native.h"

#define MAX_CERTS 32   /* certificates in an own chain or a trust bundle */
#define MAX_ALPN 8     /* protocols offered */
#define MAX_ALPN_LEN 255

/* Results of handshake/read/write besides byte counts (the JS side knows them). */
#define WANT_READ (-1)
#define WANT_WRITE (-2)

typedef struct tls_config {
    /* The TlsConfig object's reference and one per session. Not a JS reference: when a
     * config and its sessions become garbage together, quickjs's cycle collector runs
     * their finalizers in any order, and mbedtls_ssl_free() reads the session's config
     * (its debug hook). Found by the musl build: its malloc had reused the freed config
     * (SIGSEGV in mbedtls_debug_print_msg); glibc's usually had not. */
    int refs;
    mbedtls_ssl_config conf;
    int server;
    mbedtls_x509_crt own;
    mbedtls_x509_crt ca;
    mbedtls_pk_context key;
    char *alpn[MAX_ALPN + 1]; /* NULL-terminated; mbedTLS keeps the pointers */
} tls_config;

typedef struct tls_session {
    mbedtls_ssl_context ssl;
    int fd;
    int last_errno; /* of the last failed send/recv, for the error message */
    int established; /* the handshake finished */
    tls_config *config; /* counted in config->refs: it (and its certificates) outlive the session */
} tls_session;

static JSClassID config_class, session_class;

static void config_unref(JSRuntime *rt, tls_config *c)
{
    if (--c->refs > 0)
        return;
    mbedtls_ssl_config_free(&c->conf);
    mbedtls_x509_crt_free(&c->own);
    mbedtls_x509_crt_free(&c->ca);
    mbedtls_pk_free(&c->key); /* wipes the private key */
    for (int i = 0; i < MAX_ALPN && c->alpn[i]; i++)
        js_free_rt(rt, c->alpn[i]);
    js_free_rt(rt, c);
}

static void config_finalizer(JSRuntime *rt, JSValue val)
{
    tls_config *c = JS_GetOpaque(val, config_class);
    if (c)
        config_unref(rt, c);
}

static void session_finalizer(JSRuntime *rt, JSValue val)
{
    tls_session *s = JS_GetOpaque(val, session_class);
    if (!s)
        return;
    mbedtls_ssl_free(&s->ssl); /* reads s->config->conf: freed after it */
    config_unref(rt, s->config);
    js_free_rt(rt, s);
}

static const JSClassDef config_def = { .class_name = "TlsConfig", .finalizer = config_finalizer };
static const JSClassDef session_def = { .class_name = "TlsSession", .finalizer = session_finalizer };

static int register_classes(JSContext *ctx)
{
    JSRuntime *rt = JS_GetRuntime(ctx);
    if (config_class == 0)
        JS_NewClassID(rt, &config_class);
    if (session_class == 0)
        JS_NewClassID(rt, &session_class);
    if (!JS_IsRegisteredClass(rt, config_class) && JS_NewClass(rt, config_class, &config_def))
        return -1;
    if (!JS_IsRegisteredClass(rt, session_class) && JS_NewClass(rt, session_class, &session_def))
        return -1;
    return 0;
}

/* Parse every DER certificate of the JS array `list` into `chain`. */
static int parse_certs(JSContext *ctx, JSValueConst list, mbedtls_x509_crt *chain, const char *what, int min)
{
    int64_t n;
    if (JS_GetLength(ctx, list, &n))
        return -1;
    if (n < min || n > MAX_CERTS) {
        JS_ThrowRangeError(ctx, "tls: %s needs %d..%d certificates", what, min, MAX_CERTS);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        JSValue v = JS_GetPropertyInt64(ctx, list, i);
        uint8_t *p;
        size_t len;
        int bad = x0_get_bytes(ctx, v, &p, &len);
        if (!bad) {
            int r = mbedtls_x509_crt_parse_der(chain, p, len);
            if (r) {
                char text[96];
                snprintf(text, sizeof(text), "tls: %s certificate %lld", what, (long long)i);
                x0_throw_mbedtls(ctx, text, r);
                bad = -1;
            }
        }
        JS_FreeValue(ctx, v);
        if (bad)
            return -1;
    }
    return 0;
}

static int parse_alpn(JSContext *ctx, JSValueConst list, tls_config *c)
{
    int64_t n;
    if (JS_IsUndefined(list) || JS_IsNull(list))
        return 0;
    if (JS_GetLength(ctx, list, &n))
        return -1;
    if (n > MAX_ALPN) {
        JS_ThrowRangeError(ctx, "tls: at most %d ALPN protocols", MAX_ALPN);
        return -1;
    }
    for (int64_t i = 0; i < n; i++) {
        JSValue v = JS_GetPropertyInt64(ctx, list, i);
        size_t len;
        const char *s = JS_ToCStringLen(ctx, &len, v);
        JS_FreeValue(ctx, v);
        if (!s)
            return -1;
        if (len == 0 || len > MAX_ALPN_LEN || memchr(s, 0, len)) {
            JS_FreeCString(ctx, s);
            JS_ThrowRangeError(ctx, "tls: an ALPN protocol is 1..%d bytes", MAX_ALPN_LEN);
            return -1;
        }
        c->alpn[i] = js_strdup(ctx, s);
        JS_FreeCString(ctx, s);
        if (!c->alpn[i])
            return -1;
    }
    return n > 0 ? mbedtls_ssl_conf_alpn_protocols(&c->conf, (const char **)c->alpn) : 0;
}

/*
 * tlsConfig(isServer, chain[], key, trust[], alpn[]?, callerVerifies?) -> TlsConfig
 * chain: DER certificates, leaf first; key: its private key (SEC1 or PKCS#8 DER);
 * trust: DER CA certificates the peer's chain must lead to.
 * callerVerifies: the peer must still send a certificate and prove it holds its key
 * (CertificateVerify / the server's key exchange signature), but mbedTLS does not
 * judge the chain: the caller validates tlsPeerChain() itself before using the
 * connection (the mesh peer channel: runtime/src/peer/verify.ts, with its own clock
 * skew, per-trust-domain bundles and errors that name the rule and the peer).
 */
static JSValue js_tls_config(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (argc < 4)
        return JS_ThrowTypeError(ctx, "tlsConfig(isServer, chain, key, trust, alpn)");
    if (register_classes(ctx) || x0_random_ready(ctx))
        return JS_EXCEPTION;
    int server = JS_ToBool(ctx, argv[0]);
    int caller_verifies = argc > 5 && JS_ToBool(ctx, argv[5]);
    tls_config *c = js_mallocz(ctx, sizeof(*c));
    if (!c)
        return JS_EXCEPTION;
    c->refs = 1;
    mbedtls_ssl_config_init(&c->conf);
    mbedtls_x509_crt_init(&c->own);
    mbedtls_x509_crt_init(&c->ca);
    mbedtls_pk_init(&c->key);
    JSValue obj = JS_NewObjectClass(ctx, (int)config_class);
    if (JS_IsException(obj)) {
        mbedtls_ssl_config_free(&c->conf);
        js_free(ctx, c);
        return obj;
    }
    JS_SetOpaque(obj, c); /* from here the finalizer frees everything */
    c->server = server;
    uint8_t *key;
    size_t key_len;
    if (parse_certs(ctx, argv[1], &c->own, "own chain", server) || x0_get_bytes(ctx, argv[2], &key, &key_len) ||
        parse_certs(ctx, argv[3], &c->ca, "trust bundle", 1))
        goto fail;
    /* A client with no chain and no key presents no certificate: SPIRE's node
     * attestation runs over TLS where only the server authenticates (the agent has no
     * SVID yet). A server always needs its own chain. */
    int anonymous = !server && c->own.raw.len == 0;
    int r = 0;
    if (!anonymous) {
        r = x0_parse_private_key(&c->key, key, key_len);
        if (r) {
            x0_throw_mbedtls(ctx, "tls: private key", r);
            goto fail;
        }
    }
    r = mbedtls_ssl_config_defaults(&c->conf, server ? MBEDTLS_SSL_IS_SERVER : MBEDTLS_SSL_IS_CLIENT,
                                    MBEDTLS_SSL_TRANSPORT_STREAM, MBEDTLS_SSL_PRESET_DEFAULT);
    if (!r && !anonymous)
        r = mbedtls_ssl_conf_own_cert(&c->conf, &c->own, &c->key);
    if (r) {
        x0_throw_mbedtls(ctx, "tls: config", r);
        goto fail;
    }
#if X0_MBEDTLS3
    /* 3.x: TLS 1.2 and, when built in (OpenWrt 24.10 enables it), 1.3. */
    mbedtls_ssl_conf_min_tls_version(&c->conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    /* 2.28: TLS 1.2 only (its TLS 1.3 is experimental and off in Debian and OpenWrt). */
    mbedtls_ssl_conf_min_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
    mbedtls_ssl_conf_max_version(&c->conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
    mbedtls_ssl_conf_rng(&c->conf, x0_random, NULL);
    mbedtls_ssl_conf_ca_chain(&c->conf, &c->ca, NULL);
    /* The peer's certificate is REQUIRED on both ends: a server requests one and fails
     * the handshake without it; a client fails on a server chain it cannot verify. */
    mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    /* ...unless the caller judges the chain (see above). OPTIONAL keeps the proof of
     * possession of the leaf's key: a handshake whose signature does not verify under
     * the presented leaf still fails. A server then also accepts a client without a
     * certificate: the caller refuses an empty peer chain. */
    if (caller_verifies)
        mbedtls_ssl_conf_authmode(&c->conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
#if defined(MBEDTLS_SSL_RENEGOTIATION)
    mbedtls_ssl_conf_renegotiation(&c->conf, MBEDTLS_SSL_RENEGOTIATION_DISABLED);
#endif
    if (parse_alpn(ctx, argc > 4 ? argv[4] : JS_UNDEFINED, c))
        goto fail;
    return obj;
fail:
    JS_FreeValue(ctx, obj);
    return JS_EXCEPTION;
}

static int bio_send(void *p, const unsigned char *buf, size_t len)
{
    tls_session *s = p;
    ssize_t n;
    do
        n = send(s->fd, buf, len, MSG_NOSIGNAL);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (int)n;
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    s->last_errno = errno;
    return MBEDTLS_ERR_NET_SEND_FAILED;
}

static int bio_recv(void *p, unsigned char *buf, size_t len)
{
    tls_session *s = p;
    ssize_t n;
    do
        n = recv(s->fd, buf, len, 0);
    while (n < 0 && errno == EINTR);
    if (n >= 0)
        return (int)n; /* 0: the peer closed the connection */
    if (errno == EAGAIN || errno == EWOULDBLOCK)
        return MBEDTLS_ERR_SSL_WANT_READ;
    s->last_errno = errno;
    return MBEDTLS_ERR_NET_RECV_FAILED;
}

static tls_session *get_session(JSContext *ctx, JSValueConst v)
{
    tls_session *s = JS_GetOpaque2(ctx, v, session_class);
    if (s && s->fd < 0) {
        JS_ThrowTypeError(ctx, "tls: session is closed");
        return NULL;
    }
    return s;
}

/* The open session in argv[0] of a function called as `usage` with `nargs` arguments;
 * NULL with an exception thrown (a TypeError naming `usage` when arguments are missing). */
static tls_session *arg_session(JSContext *ctx, int argc, JSValueConst *argv, int nargs, const char *usage)
{
    if (argc < nargs) {
        JS_ThrowTypeError(ctx, "%s", usage);
        return NULL;
    }
    return get_session(ctx, argv[0]);
}

/* tlsSession(config, fd) -> TlsSession on a connected non-blocking fd */
static JSValue js_tls_session(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    int32_t fd;
    if (argc < 2)
        return JS_ThrowTypeError(ctx, "tlsSession(config, fd)");
    if (register_classes(ctx))
        return JS_EXCEPTION;
    tls_config *c = JS_GetOpaque2(ctx, argv[0], config_class);
    if (!c || JS_ToInt32(ctx, &fd, argv[1]))
        return JS_EXCEPTION;
    if (fd < 0)
        return JS_ThrowRangeError(ctx, "bad file descriptor %d", fd);
    tls_session *s = js_mallocz(ctx, sizeof(*s));
    if (!s)
        return JS_EXCEPTION;
    mbedtls_ssl_init(&s->ssl);
    s->fd = fd;
    s->config = c;
    c->refs++;
    JSValue obj = JS_NewObjectClass(ctx, (int)session_class);
    if (JS_IsException(obj)) {
        mbedtls_ssl_free(&s->ssl);
        config_unref(JS_GetRuntime(ctx), c);
        js_free(ctx, s);
        return obj;
    }
    JS_SetOpaque(obj, s);
    int r = mbedtls_ssl_setup(&s->ssl, &c->conf);
#if defined(MBEDTLS_X509_CRT_PARSE_C)
    /* Hostname checks are OFF on purpose: a peer is identified by the SPIFFE ID in its
     * certificate's URI SAN, checked in TypeScript by runtime/src/identity/ (exactly one
     * URI SAN, the trust domain's own bundle, the SVID leaf and CA rules) on the chain
     * tlsPeerChain() returns, before any byte of the connection is trusted. Setting
     * NULL also tells mbedTLS >= 2.28.10 / 3.6.3 that no name check is intended
     * (CVE-2025-27809), and sends no SNI. mbedTLS still verifies the chain itself
     * against the trust bundle, with validity and key usage/EKU. */
    if (!r && !c->server)
        r = mbedtls_ssl_set_hostname(&s->ssl, NULL);
#endif
    if (r) {
        JS_FreeValue(ctx, obj);
        return x0_throw_mbedtls(ctx, "tls: session", r);
    }
    mbedtls_ssl_set_bio(&s->ssl, s, bio_send, bio_recv, NULL);
    return obj;
}

/* A failed handshake/read/write as an Error: mbedTLS's text, the verify result, errno. */
static JSValue throw_tls(JSContext *ctx, tls_session *s, const char *op, int r)
{
    char text[160], msg[512];
    mbedtls_strerror(r, text, sizeof(text));
    int len = snprintf(msg, sizeof(msg), "%s: %s", op, text);
    uint32_t flags = mbedtls_ssl_get_verify_result(&s->ssl);
    if (r == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED && flags != 0 && flags != (uint32_t)-1 && len > 0 &&
        (size_t)len < sizeof(msg)) {
        char info[256];
        int n = mbedtls_x509_crt_verify_info(info, sizeof(info), "", flags);
        for (int i = n - 1; i >= 0 && info[i] == '\n'; i--)
            info[i] = 0;
        for (char *nl = info; (nl = strchr(nl, '\n')) != NULL;)
            *nl = ';';
        if (n > 0)
            snprintf(msg + len, sizeof(msg) - (size_t)len, " (%s)", info);
    } else if (s->last_errno && len > 0 && (size_t)len < sizeof(msg)) {
        snprintf(msg + len, sizeof(msg) - (size_t)len, " (%s)", strerror(s->last_errno));
    }
    JSValue e = JS_NewError(ctx);
    if (JS_IsException(e))
        return e;
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, msg), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, e, "code", JS_NewString(ctx, "ETLS"), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, e, "mbedtls", JS_NewInt32(ctx, r), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, e, "errno", JS_NewInt32(ctx, s->last_errno), JS_PROP_C_W_E);
    return JS_Throw(ctx, e);
}

static int want(int r)
{
    return r == MBEDTLS_ERR_SSL_WANT_READ ? WANT_READ : r == MBEDTLS_ERR_SSL_WANT_WRITE ? WANT_WRITE : 0;
}

/* tlsHandshake(session) -> 0 done, -1 want read, -2 want write; throws on failure */
static JSValue js_tls_handshake(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    tls_session *s = arg_session(ctx, argc, argv, 1, "tlsHandshake(session)");
    if (!s)
        return JS_EXCEPTION;
    int r = mbedtls_ssl_handshake(&s->ssl);
    if (r == 0) {
        s->established = 1;
        return JS_NewInt32(ctx, 0);
    }
    if (want(r))
        return JS_NewInt32(ctx, want(r));
    return throw_tls(ctx, s, "tls handshake", r);
}

/* tlsRead(session, buf) -> bytes (> 0), 0 when the peer closed, -1/-2 want read/write */
static JSValue js_tls_read(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *p;
    size_t len;
    tls_session *s = arg_session(ctx, argc, argv, 2, "tlsRead(session, buf)");
    if (!s || x0_get_bytes(ctx, argv[1], &p, &len))
        return JS_EXCEPTION;
    if (len == 0)
        return JS_ThrowRangeError(ctx, "tlsRead: empty buffer");
    for (;;) {
        int r = mbedtls_ssl_read(&s->ssl, p, len);
        if (r > 0)
            return JS_NewInt32(ctx, r);
        if (r == 0 || r == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY)
            return JS_NewInt32(ctx, 0);
        if (want(r))
            return JS_NewInt32(ctx, want(r));
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        if (r == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
            continue; /* TLS 1.3 tickets: we resume no sessions; read on */
#endif
        if (r == MBEDTLS_ERR_NET_RECV_FAILED && s->last_errno == ECONNRESET)
            return JS_NewInt32(ctx, 0);
        return throw_tls(ctx, s, "tls read", r);
    }
}

/* tlsWrite(session, data) -> bytes taken (> 0), -1/-2 want read/write. After a want,
 * call again with the same data (mbedTLS's rule). */
static JSValue js_tls_write(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *p;
    size_t len;
    tls_session *s = arg_session(ctx, argc, argv, 2, "tlsWrite(session, data)");
    if (!s || x0_get_bytes(ctx, argv[1], &p, &len))
        return JS_EXCEPTION;
    if (len == 0)
        return JS_NewInt32(ctx, 0);
    int r = mbedtls_ssl_write(&s->ssl, p, len);
    if (r >= 0)
        return JS_NewInt32(ctx, r);
    if (want(r))
        return JS_NewInt32(ctx, want(r));
    return throw_tls(ctx, s, "tls write", r);
}

/* tlsPending(session) -> decrypted bytes waiting inside mbedTLS (poll will not say so) */
static JSValue js_tls_pending(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    tls_session *s = arg_session(ctx, argc, argv, 1, "tlsPending(session)");
    if (!s)
        return JS_EXCEPTION;
    return JS_NewInt64(ctx, (int64_t)mbedtls_ssl_get_bytes_avail(&s->ssl));
}

/* tlsPeerChain(session) -> [DER, ...] as the peer sent it, leaf first */
static JSValue js_tls_peer_chain(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    tls_session *s = arg_session(ctx, argc, argv, 1, "tlsPeerChain(session)");
    if (!s)
        return JS_EXCEPTION;
    JSValue out = JS_NewArray(ctx);
    if (JS_IsException(out))
        return out;
    const mbedtls_x509_crt *c = mbedtls_ssl_get_peer_cert(&s->ssl);
    for (uint32_t i = 0; c != NULL && c->raw.p != NULL && i < MAX_CERTS; c = c->next, i++) {
        JSValue der = JS_NewUint8ArrayCopy(ctx, c->raw.p, c->raw.len);
        if (JS_IsException(der) || JS_DefinePropertyValueUint32(ctx, out, i, der, JS_PROP_C_W_E) < 0) {
            JS_FreeValue(ctx, out);
            return JS_EXCEPTION;
        }
    }
    return out;
}

/* tlsInfo(session) -> {version, alpn, cipher} of the finished handshake */
static JSValue js_tls_info(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    tls_session *s = arg_session(ctx, argc, argv, 1, "tlsInfo(session)");
    if (!s)
        return JS_EXCEPTION;
    JSValue o = JS_NewObject(ctx);
    if (JS_IsException(o))
        return o;
    const char *alpn = mbedtls_ssl_get_alpn_protocol(&s->ssl);
    JS_DefinePropertyValueStr(ctx, o, "version", JS_NewString(ctx, mbedtls_ssl_get_version(&s->ssl)), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "alpn", alpn ? JS_NewString(ctx, alpn) : JS_NULL, JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, o, "cipher", JS_NewString(ctx, mbedtls_ssl_get_ciphersuite(&s->ssl)), JS_PROP_C_W_E);
    return o;
}

/* tlsClose(session): send close_notify if the socket takes it now, then free the
 * connection's state. The fd stays open (the caller closes it). */
static JSValue js_tls_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    tls_session *s = argc > 0 ? JS_GetOpaque2(ctx, argv[0], session_class) : NULL;
    if (!s)
        return JS_EXCEPTION;
    if (s->fd >= 0) {
        if (s->established)
            (void)mbedtls_ssl_close_notify(&s->ssl);
        mbedtls_ssl_session_reset(&s->ssl); /* drops keys and buffered data now */
        s->fd = -1;
    }
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("tlsConfig", 5, js_tls_config),
    JS_CFUNC_DEF("tlsSession", 2, js_tls_session),
    JS_CFUNC_DEF("tlsHandshake", 1, js_tls_handshake),
    JS_CFUNC_DEF("tlsRead", 2, js_tls_read),
    JS_CFUNC_DEF("tlsWrite", 2, js_tls_write),
    JS_CFUNC_DEF("tlsPending", 1, js_tls_pending),
    JS_CFUNC_DEF("tlsPeerChain", 1, js_tls_peer_chain),
    JS_CFUNC_DEF("tlsInfo", 1, js_tls_info),
    JS_CFUNC_DEF("tlsClose", 1, js_tls_close),
};
const x0_part x0_tls_part = { entries, sizeof(entries) / sizeof(entries[0]) };
