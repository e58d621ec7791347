/*
 * Crypto primitives on mbedTLS for the host layer (host.crypto): a CSPRNG, SHA-256,
 * EC P-256 keys, ECDSA signing, signature verification (ECDSA and RSA PKCS#1 v1.5,
 * what X.509 chains carry) and PKCS#10 requests with a URI subjectAltName (SPIFFE).
 *
 * Keys cross into JS as DER: private keys as SEC1 ECPrivateKey (what mbedTLS 2.28
 * writes; PKCS#8 is accepted on input), public keys as SubjectPublicKeyInfo. Every
 * buffer that held private key bytes is wiped before it is freed; nothing here logs.
 */
#include <string.h>
#include <unistd.h>
#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecp.h"
#include "mbedtls/entropy.h"
#include "mbedtls/error.h"
#include "mbedtls/md.h"
#include "mbedtls/oid.h"
#include "mbedtls/platform_util.h"
#include "mbedtls/x509_csr.h"
#if defined(MBEDTLS_PSA_CRYPTO_C)
#include "psa/crypto.h"
#endif
#include "x0_mbedtls.h"
#include "x0_native.h"

/* Large enough for a SEC1 P-256/P-384 key, an SPKI of RSA-4096, a CSR. */
#define KEY_BUF 2048
#define CSR_BUF 4096
#define MAX_RANDOM 65536  /* most random bytes one call returns */
#define MAX_URI 2048      /* SPIFFE-ID §2.3: IDs up to 2048 bytes */
#define MAX_SUBJECT 512

static mbedtls_entropy_context entropy;
static mbedtls_ctr_drbg_context drbg;
static pid_t seeded_pid; /* 0: not seeded */

static int seed(void)
{
    static const unsigned char personal[] = "x0tta6bl4";
    pid_t pid = getpid();
    if (seeded_pid == pid)
        return 0;
    if (seeded_pid != 0) { /* a forked child: mix in fresh entropy and its pid */
        if (mbedtls_ctr_drbg_reseed(&drbg, (const unsigned char *)&pid, sizeof(pid)))
            return -1;
        seeded_pid = pid;
        return 0;
    }
#if defined(MBEDTLS_PSA_CRYPTO_C)
    /* mbedTLS 3.6 may use PSA inside a handshake or a key operation (3.6.1 ChangeLog). */
    if (psa_crypto_init() != PSA_SUCCESS)
        return -1;
#endif
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, personal, sizeof(personal) - 1)) {
        mbedtls_ctr_drbg_free(&drbg);
        mbedtls_entropy_free(&entropy);
        return -1;
    }
    seeded_pid = pid;
    return 0;
}

int x0_random(void *unused, unsigned char *out, size_t len)
{
    (void)unused;
    if (seed())
        return MBEDTLS_ERR_CTR_DRBG_ENTROPY_SOURCE_FAILED;
    while (len > 0) { /* CTR_DRBG serves at most MBEDTLS_CTR_DRBG_MAX_REQUEST per call */
        size_t n = len < MBEDTLS_CTR_DRBG_MAX_REQUEST ? len : MBEDTLS_CTR_DRBG_MAX_REQUEST;
        int r = mbedtls_ctr_drbg_random(&drbg, out, n);
        if (r)
            return r;
        out += n;
        len -= n;
    }
    return 0;
}

int x0_random_ready(JSContext *ctx)
{
    if (seed() == 0)
        return 0;
    JS_ThrowInternalError(ctx, "random generator: no entropy (getrandom and /dev/urandom failed)");
    return -1;
}

int x0_parse_private_key(mbedtls_pk_context *pk, const unsigned char *der, size_t len)
{
#if X0_MBEDTLS3
    return mbedtls_pk_parse_key(pk, der, len, NULL, 0, x0_random, NULL);
#else
    return mbedtls_pk_parse_key(pk, der, len, NULL, 0);
#endif
}

JSValue x0_throw_mbedtls(JSContext *ctx, const char *op, int err)
{
    char text[160];
    mbedtls_strerror(err, text, sizeof(text));
    JSValue e = JS_NewError(ctx);
    if (JS_IsException(e))
        return e;
    char msg[256];
    snprintf(msg, sizeof(msg), "%s: %s (-0x%04x)", op, text, (unsigned)(err < 0 ? -err : err));
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, msg), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, e, "code", JS_NewString(ctx, "EMBEDTLS"), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, e, "mbedtls", JS_NewInt32(ctx, err), JS_PROP_C_W_E);
    return JS_Throw(ctx, e);
}

/* Bytes argument i (an ArrayBuffer or a typed array). */
static int arg_bytes(JSContext *ctx, int argc, JSValueConst *argv, int i, uint8_t **p, size_t *n)
{
    if (i >= argc) {
        JS_ThrowTypeError(ctx, "missing bytes argument %d", i + 1);
        return -1;
    }
    return x0_get_bytes(ctx, argv[i], p, n);
}

/* randomBytes(n) -> Uint8Array of n bytes from the CSPRNG */
static JSValue js_random_bytes(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t n;
    (void)this_val;
    if (argc < 1 || JS_ToInt32(ctx, &n, argv[0]))
        return argc < 1 ? JS_ThrowTypeError(ctx, "randomBytes(n)") : JS_EXCEPTION;
    if (n < 0 || n > MAX_RANDOM)
        return JS_ThrowRangeError(ctx, "randomBytes: %d outside 0..%d", n, MAX_RANDOM);
    if (x0_random_ready(ctx))
        return JS_EXCEPTION;
    unsigned char *all = js_malloc(ctx, n > 0 ? (size_t)n : 1);
    if (!all)
        return JS_EXCEPTION;
    int r = x0_random(NULL, all, (size_t)n);
    if (r) {
        js_free(ctx, all);
        return x0_throw_mbedtls(ctx, "randomBytes", r);
    }
    JSValue out = JS_NewUint8ArrayCopy(ctx, all, (size_t)n);
    js_free(ctx, all);
    return out;
}

static const mbedtls_md_info_t *md_by_name(JSContext *ctx, JSValueConst v)
{
    const char *name = JS_ToCString(ctx, v);
    if (!name)
        return NULL;
    mbedtls_md_type_t t = !strcmp(name, "sha256") ? MBEDTLS_MD_SHA256
                        : !strcmp(name, "sha384") ? MBEDTLS_MD_SHA384
                        : !strcmp(name, "sha512") ? MBEDTLS_MD_SHA512
                        : MBEDTLS_MD_NONE;
    const mbedtls_md_info_t *md = t == MBEDTLS_MD_NONE ? NULL : mbedtls_md_info_from_type(t);
    if (!md)
        JS_ThrowRangeError(ctx, "unknown hash '%s' (sha256, sha384, sha512)", name);
    JS_FreeCString(ctx, name);
    return md;
}

/* sha256(bytes) -> Uint8Array(32) */
static JSValue js_sha256(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    unsigned char digest[32];
    (void)this_val;
    if (x0_random_ready(ctx) || arg_bytes(ctx, argc, argv, 0, &p, &n)) /* PSA set up (3.x) */
        return JS_EXCEPTION;
    int r = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), p, n, digest);
    if (r)
        return x0_throw_mbedtls(ctx, "sha256", r);
    return JS_NewUint8ArrayCopy(ctx, digest, sizeof(digest));
}

/* The DER that mbedTLS writes at the end of buf, as a Uint8Array; buf is wiped. */
static JSValue der_tail(JSContext *ctx, unsigned char *buf, size_t size, int len, const char *op)
{
    JSValue v = len < 0 ? x0_throw_mbedtls(ctx, op, len)
                        : JS_NewUint8ArrayCopy(ctx, buf + size - (size_t)len, (size_t)len);
    mbedtls_platform_zeroize(buf, size);
    return v;
}

/* ecGenerate() -> [SEC1 private key DER, SubjectPublicKeyInfo DER], a new P-256 key */
static JSValue js_ec_generate(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    (void)argc;
    (void)argv;
    if (x0_random_ready(ctx))
        return JS_EXCEPTION;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    unsigned char buf[KEY_BUF];
    JSValue result = JS_EXCEPTION;
    int r = mbedtls_pk_setup(&pk, mbedtls_pk_info_from_type(MBEDTLS_PK_ECKEY));
    if (!r)
        r = mbedtls_ecp_gen_key(MBEDTLS_ECP_DP_SECP256R1, mbedtls_pk_ec(pk), x0_random, NULL);
    if (r) {
        x0_throw_mbedtls(ctx, "ecGenerate", r);
        goto out;
    }
    JSValue priv = der_tail(ctx, buf, sizeof(buf), mbedtls_pk_write_key_der(&pk, buf, sizeof(buf)), "ecGenerate");
    if (JS_IsException(priv))
        goto out;
    JSValue pub = der_tail(ctx, buf, sizeof(buf), mbedtls_pk_write_pubkey_der(&pk, buf, sizeof(buf)), "ecGenerate");
    if (JS_IsException(pub)) {
        JS_FreeValue(ctx, priv);
        goto out;
    }
    result = JS_NewArray(ctx);
    if (JS_IsException(result)) {
        JS_FreeValue(ctx, priv);
        JS_FreeValue(ctx, pub);
        goto out;
    }
    JS_DefinePropertyValueUint32(ctx, result, 0, priv, JS_PROP_C_W_E);
    JS_DefinePropertyValueUint32(ctx, result, 1, pub, JS_PROP_C_W_E);
out:
    mbedtls_pk_free(&pk);
    return result;
}

/* Parse the private key argument i; 0, or -1 with an exception thrown. */
static int arg_private_key(JSContext *ctx, int argc, JSValueConst *argv, int i, mbedtls_pk_context *pk, const char *op)
{
    uint8_t *p;
    size_t n;
    if (arg_bytes(ctx, argc, argv, i, &p, &n))
        return -1;
    int r = x0_parse_private_key(pk, p, n);
    if (r) {
        x0_throw_mbedtls(ctx, op, r);
        return -1;
    }
    if (!mbedtls_pk_can_do(pk, MBEDTLS_PK_ECDSA)) {
        JS_ThrowTypeError(ctx, "%s: not an EC private key", op);
        return -1;
    }
    return 0;
}

/* ecPublicKey(privateKeyDer) -> SubjectPublicKeyInfo DER of that key */
static JSValue js_ec_public_key(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    if (x0_random_ready(ctx))
        return JS_EXCEPTION;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    unsigned char buf[KEY_BUF];
    JSValue v = JS_EXCEPTION;
    if (!arg_private_key(ctx, argc, argv, 0, &pk, "ecPublicKey"))
        v = der_tail(ctx, buf, sizeof(buf), mbedtls_pk_write_pubkey_der(&pk, buf, sizeof(buf)), "ecPublicKey");
    mbedtls_pk_free(&pk);
    return v;
}

/* ecSign(privateKeyDer, data) -> DER ECDSA-Sig-Value over SHA-256(data) */
static JSValue js_ec_sign(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *data;
    size_t n;
    unsigned char hash[32];
    unsigned char sig[MBEDTLS_PK_SIGNATURE_MAX_SIZE];
    size_t sig_len = 0;
    if (x0_random_ready(ctx))
        return JS_EXCEPTION;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    JSValue v = JS_EXCEPTION;
    if (arg_private_key(ctx, argc, argv, 0, &pk, "ecSign") || arg_bytes(ctx, argc, argv, 1, &data, &n))
        goto out;
    int r = mbedtls_md(mbedtls_md_info_from_type(MBEDTLS_MD_SHA256), data, n, hash);
    if (!r)
#if X0_MBEDTLS3
        r = mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, sizeof(sig), &sig_len, x0_random, NULL);
#else
        r = mbedtls_pk_sign(&pk, MBEDTLS_MD_SHA256, hash, sizeof(hash), sig, &sig_len, x0_random, NULL);
#endif
    v = r ? x0_throw_mbedtls(ctx, "ecSign", r) : JS_NewUint8ArrayCopy(ctx, sig, sig_len);
out:
    mbedtls_pk_free(&pk);
    return v;
}

/*
 * verify(spkiDer, hash, data, signature) -> true when `signature` is a valid signature
 * of `data` (hashed with `hash`: "sha256", "sha384", "sha512") by the key: ECDSA (DER
 * signature) for EC keys, RSASSA-PKCS1-v1_5 for RSA keys. Anything unusable (a key
 * mbedTLS cannot read, a malformed signature) is false; bad argument types throw.
 */
static JSValue js_verify(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    uint8_t *key, *data, *sig;
    size_t key_len, data_len, sig_len;
    unsigned char hash[MBEDTLS_MD_MAX_SIZE];
    /* x0_random_ready: with MBEDTLS_USE_PSA_CRYPTO (3.x) verification goes through PSA,
     * which must be initialised first; it is, together with the generator. */
    if (x0_random_ready(ctx) || arg_bytes(ctx, argc, argv, 0, &key, &key_len))
        return JS_EXCEPTION;
    const mbedtls_md_info_t *md = argc > 1 ? md_by_name(ctx, argv[1]) : NULL;
    if (!md)
        return argc > 1 ? JS_EXCEPTION : JS_ThrowTypeError(ctx, "verify(key, hash, data, signature)");
    if (arg_bytes(ctx, argc, argv, 2, &data, &data_len) || arg_bytes(ctx, argc, argv, 3, &sig, &sig_len))
        return JS_EXCEPTION;
    mbedtls_pk_context pk;
    mbedtls_pk_init(&pk);
    int ok = mbedtls_pk_parse_public_key(&pk, key, key_len) == 0 &&
             (mbedtls_pk_can_do(&pk, MBEDTLS_PK_ECDSA) || mbedtls_pk_can_do(&pk, MBEDTLS_PK_RSA)) &&
             mbedtls_md(md, data, data_len, hash) == 0 &&
             mbedtls_pk_verify(&pk, mbedtls_md_get_type(md), hash, mbedtls_md_get_size(md), sig, sig_len) == 0;
    mbedtls_pk_free(&pk);
    return JS_NewBool(ctx, ok);
}

/* DER length octets of n (n < 65536) into out; returns how many. */
static size_t der_length(size_t n, unsigned char *out)
{
    if (n < 0x80) {
        out[0] = (unsigned char)n;
        return 1;
    }
    if (n < 0x100) {
        out[0] = 0x81;
        out[1] = (unsigned char)n;
        return 2;
    }
    out[0] = 0x82;
    out[1] = (unsigned char)(n >> 8);
    out[2] = (unsigned char)n;
    return 3;
}

/*
 * csr(privateKeyDer, subject, uri?) -> PKCS#10 CertificationRequest DER, signed with
 * ecdsa-with-SHA256. `subject` is mbedTLS's string form ("O=SPIRE,C=US"; "" for an
 * empty name); `uri`, when given, is the one URI subjectAltName (a SPIFFE ID), carried
 * in an extensionRequest. The extension is not marked critical: mbedTLS 2.28 cannot,
 * and SPIRE takes only the public key from a CSR (its server sets names itself).
 */
static JSValue js_csr(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val;
    const char *subject = NULL, *uri = NULL;
    size_t uri_len = 0;
    unsigned char san[MAX_URI + 8];
    unsigned char *buf = NULL;
    JSValue v = JS_EXCEPTION;
    mbedtls_pk_context pk;
    mbedtls_x509write_csr req;
    mbedtls_pk_init(&pk);
    mbedtls_x509write_csr_init(&req);
    if (x0_random_ready(ctx) || arg_private_key(ctx, argc, argv, 0, &pk, "csr"))
        goto out;
    subject = argc > 1 ? JS_ToCString(ctx, argv[1]) : NULL;
    if (!subject) {
        if (argc <= 1)
            JS_ThrowTypeError(ctx, "csr(key, subject, uri)");
        goto out;
    }
    if (strlen(subject) > MAX_SUBJECT) {
        JS_ThrowRangeError(ctx, "csr: subject longer than %d bytes", MAX_SUBJECT);
        goto out;
    }
    mbedtls_x509write_csr_set_key(&req, &pk);
    mbedtls_x509write_csr_set_md_alg(&req, MBEDTLS_MD_SHA256);
    /* An empty subject is the empty Name that mbedTLS writes when none is set (3.6
     * refuses "" as a name string; 2.28 takes it). */
    int r = subject[0] ? mbedtls_x509write_csr_set_subject_name(&req, subject) : 0;
    if (r) {
        x0_throw_mbedtls(ctx, "csr: subject", r);
        goto out;
    }
    if (argc > 2 && !JS_IsUndefined(argv[2]) && !JS_IsNull(argv[2])) {
        uri = JS_ToCStringLen(ctx, &uri_len, argv[2]);
        if (!uri)
            goto out;
        if (uri_len == 0 || uri_len > MAX_URI || memchr(uri, 0, uri_len)) {
            JS_ThrowRangeError(ctx, "csr: the URI must be 1..%d bytes without NUL", MAX_URI);
            goto out;
        }
        /* SubjectAltName ::= SEQUENCE { [6] IMPLICIT IA5String } (RFC 5280 §4.2.1.6) */
        unsigned char inner[3];
        size_t inner_n = der_length(uri_len, inner);
        size_t pos = 0;
        san[pos++] = 0x30;
        pos += der_length(1 + inner_n + uri_len, san + pos);
        san[pos++] = 0x86;
        memcpy(san + pos, inner, inner_n);
        pos += inner_n;
        memcpy(san + pos, uri, uri_len);
        pos += uri_len;
#if X0_MBEDTLS3
        r = mbedtls_x509write_csr_set_extension(&req, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), 0, san, pos);
#else
        r = mbedtls_x509write_csr_set_extension(&req, MBEDTLS_OID_SUBJECT_ALT_NAME,
                                                MBEDTLS_OID_SIZE(MBEDTLS_OID_SUBJECT_ALT_NAME), san, pos);
#endif
        if (r) {
            x0_throw_mbedtls(ctx, "csr: subjectAltName", r);
            goto out;
        }
    }
    buf = js_malloc(ctx, CSR_BUF);
    if (!buf)
        goto out;
    v = der_tail(ctx, buf, CSR_BUF, mbedtls_x509write_csr_der(&req, buf, CSR_BUF, x0_random, NULL), "csr");
out:
    js_free(ctx, buf);
    JS_FreeCString(ctx, subject);
    JS_FreeCString(ctx, uri);
    mbedtls_x509write_csr_free(&req);
    mbedtls_pk_free(&pk);
    return v;
}

static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("randomBytes", 1, js_random_bytes),
    JS_CFUNC_DEF("sha256", 1, js_sha256),
    JS_CFUNC_DEF("ecGenerate", 0, js_ec_generate),
    JS_CFUNC_DEF("ecPublicKey", 1, js_ec_public_key),
    JS_CFUNC_DEF("ecSign", 2, js_ec_sign),
    JS_CFUNC_DEF("verify", 4, js_verify),
    JS_CFUNC_DEF("csr", 3, js_csr),
    JS_PROP_STRING_DEF("mbedtlsVersion", MBEDTLS_VERSION_STRING, 0),
};
const x0_part x0_crypto_part = { entries, sizeof(entries) / sizeof(entries[0]) };
