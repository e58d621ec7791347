/*
 * Netlink attribute decoding in C: the hot path of every batman-adv and rtnetlink dump.
 *
 * runtime/src/netlink/policy.ts decodes an attribute stream with a policy (attribute
 * type -> key and kind). On quickjs-ng that walk costs about 1 us per attribute in
 * bytecode; here it is a few tens of ns. The JS decoder stays the reference: this one
 * must give the same object or the same error text (a test feeds both the same random
 * and mutated streams), and whatever it does not handle it hands back to JS.
 *
 * nlPolicy(kinds: Uint8Array, keys: Array) -> policy
 *   kinds[type] is 0 for "skip" or a KIND_* below, keys[type] the property name. The
 *   names become atoms once here, not once per attribute.
 * nlDecodeAttrs(bytes, policy, deferred: Int32Array, start = 0)
 *   -> object | string (error, without the caller's "what: " prefix) | null (use JS)
 *   Every kind is decoded here except non-ASCII strings (UTF-8 decoding stays in JS),
 *   hardware addresses over 32 bytes and KIND_OTHER: those are listed in `deferred` as
 *   (type, offset, length) triples after a count in deferred[0] (offsets count from the
 *   start of `bytes`), for JS to decode and assign after this returns. Offsets in error
 *   texts count from `start`.
 * nlDecodeDump(datagram, offset, policy, deferred, seq, type, cmd, hdrlen, out: Array) -> offset
 *   The common case of a dump datagram in one call: from `offset`, every message that
 *   answers `seq` with `type`, has no NLM_F_DUMP_INTR, a payload of at least `hdrlen`
 *   bytes whose first byte is `cmd` (generic netlink's command; -1: any) and attributes
 *   after that header that decode here completely, is decoded and appended to `out`.
 *   It stops at the first message that is anything else (a control message, an error,
 *   a deferred attribute, a bad length...) and returns that message's offset: the
 *   caller's general path takes it from there, so every rule stays in one place (JS).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "x0_native.h"

enum {
    KIND_SKIP = 0, KIND_U8, KIND_U16, KIND_U32, KIND_S32, KIND_U64, KIND_FLAG,
    KIND_STRING, KIND_MAC, KIND_OTHER, KIND_HWADDR, KIND_IPV4, KIND_BINARY
};
#define KIND_LAST KIND_BINARY

#define NLA_HDRLEN 4
#define NLA_TYPE_MASK 0x3fff

static const int fixed_size[] = { 0, 1, 2, 4, 4, 8, -1, -1, 6, -1, -1, 4, -1 };

static JSValue error_text(JSContext *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static JSValue error_text(JSContext *ctx, const char *fmt, ...)
{
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return JS_NewString(ctx, buf);
}

/* "aa:bb:..." for n bytes (n <= 32; the caller defers longer addresses). */
static JSValue hwaddr_text(JSContext *ctx, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    char s[32 * 3];
    for (size_t i = 0; i < n; i++) {
        s[i * 3] = hex[p[i] >> 4];
        s[i * 3 + 1] = hex[p[i] & 15];
        s[i * 3 + 2] = ':';
    }
    return JS_NewStringLen(ctx, s, n ? n * 3 - 1 : 0);
}

static JSValue ipv4_text(JSContext *ctx, const uint8_t *p)
{
    char s[16];
    int len = snprintf(s, sizeof s, "%u.%u.%u.%u", p[0], p[1], p[2], p[3]);
    return JS_NewStringLen(ctx, s, (size_t)len);
}

typedef struct nl_policy {
    uint32_t count;
    uint8_t *kinds;
    JSAtom *atoms; /* JS_ATOM_NULL where kinds[] is skip */
} nl_policy;

static JSClassID policy_class;

static void policy_finalizer(JSRuntime *rt, JSValueConst val)
{
    nl_policy *pol = JS_GetOpaque(val, policy_class);
    if (!pol)
        return;
    for (uint32_t i = 0; i < pol->count; i++)
        if (pol->atoms[i] != JS_ATOM_NULL)
            JS_FreeAtomRT(rt, pol->atoms[i]);
    js_free_rt(rt, pol->atoms);
    js_free_rt(rt, pol->kinds);
    js_free_rt(rt, pol);
}

static const JSClassDef policy_class_def = { "NlPolicy", .finalizer = policy_finalizer };

static JSValue js_nl_policy(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *kinds;
    size_t nkinds;
    (void)this_val;
    if (argc < 2 || x0_get_bytes(ctx, argv[0], &kinds, &nkinds))
        return JS_EXCEPTION;
    if (nkinds > 0x4000)
        return JS_ThrowRangeError(ctx, "nlPolicy: %zu attribute types (at most 16384)", nkinds);
    JSRuntime *rt = JS_GetRuntime(ctx);
    if (!JS_IsRegisteredClass(rt, policy_class)) {
        JS_NewClassID(rt, &policy_class);
        if (JS_NewClass(rt, policy_class, &policy_class_def) < 0)
            return JS_EXCEPTION;
    }
    nl_policy *pol = js_mallocz(ctx, sizeof *pol);
    if (!pol)
        return JS_EXCEPTION;
    pol->kinds = js_mallocz(ctx, nkinds ? nkinds : 1);
    pol->atoms = js_mallocz(ctx, (nkinds ? nkinds : 1) * sizeof(JSAtom));
    JSValue obj = JS_NewObjectClass(ctx, (int)policy_class);
    if (!pol->kinds || !pol->atoms || JS_IsException(obj)) {
        js_free(ctx, pol->kinds);
        js_free(ctx, pol->atoms);
        js_free(ctx, pol);
        JS_FreeValue(ctx, obj);
        return JS_EXCEPTION;
    }
    JS_SetOpaque(obj, pol); /* from here the finalizer owns pol */
    for (size_t t = 0; t < nkinds; t++) {
        if (kinds[t] == KIND_SKIP)
            continue;
        if (kinds[t] > KIND_LAST) {
            JS_FreeValue(ctx, obj);
            return JS_ThrowRangeError(ctx, "nlPolicy: unknown kind %u for type %zu", kinds[t], t);
        }
        JSValue key = JS_GetPropertyUint32(ctx, argv[1], (uint32_t)t);
        if (JS_IsException(key)) {
            JS_FreeValue(ctx, obj);
            return key;
        }
        if (!JS_IsString(key)) {
            JS_FreeValue(ctx, key);
            JS_FreeValue(ctx, obj);
            return JS_ThrowTypeError(ctx, "nlPolicy: no key for attribute type %zu", t);
        }
        JSAtom atom = JS_ValueToAtom(ctx, key);
        JS_FreeValue(ctx, key);
        if (atom == JS_ATOM_NULL) {
            JS_FreeValue(ctx, obj);
            return JS_EXCEPTION;
        }
        pol->kinds[t] = kinds[t];
        pol->atoms[t] = atom;
        pol->count = (uint32_t)t + 1; /* the finalizer frees atoms[0..count) */
    }
    pol->count = (uint32_t)nkinds;
    return obj;
}

static nl_policy *get_policy(JSContext *ctx, JSValueConst v)
{
    nl_policy *pol = policy_class ? JS_GetOpaque(v, policy_class) : NULL;
    if (!pol)
        JS_ThrowTypeError(ctx, "expected a policy from nlPolicy()");
    return pol;
}

static int get_deferred(JSContext *ctx, JSValueConst v, int32_t **d, int32_t *max)
{
    uint8_t *bytes;
    size_t len;
    if (x0_get_bytes(ctx, v, &bytes, &len))
        return -1;
    if (len < sizeof(int32_t) || ((uintptr_t)bytes & 3)) {
        JS_ThrowTypeError(ctx, "deferred must be an Int32Array");
        return -1;
    }
    *d = (int32_t *)bytes;
    *max = (int32_t)((len / sizeof(int32_t) - 1) / 3);
    return 0;
}

/* Drop earlier deferred entries of `type`: a later attribute of the same type wins. */
static void undefer(int32_t *d, int32_t type)
{
    int32_t n = d[0], w = 0;
    for (int32_t i = 0; i < n; i++) {
        if (d[1 + i * 3] == type)
            continue;
        if (w != i)
            memmove(&d[1 + w * 3], &d[1 + i * 3], 3 * sizeof(int32_t));
        w++;
    }
    d[0] = w;
}

enum { DECODED, DECODE_ERROR, DECODE_GIVE_UP, DECODE_EXCEPTION };

/*
 * Walk the attributes in p[0..n): DECODED with the object in *out, DECODE_ERROR with the
 * error text in *out, DECODE_GIVE_UP (too many deferred attributes), or
 * DECODE_EXCEPTION. `base` is p's offset in the caller's bytes (for deferred offsets).
 */
static int decode_attrs(JSContext *ctx, const uint8_t *p, size_t n, size_t base, const nl_policy *pol,
                        int32_t *deferred, int32_t max_deferred, JSValue *out)
{
    deferred[0] = 0;
    JSValue obj = JS_NewObject(ctx);
    if (JS_IsException(obj))
        return DECODE_EXCEPTION;
    size_t off = 0;
    while (off <= n && n - off >= NLA_HDRLEN) { /* off passes n after the last padding */
        uint16_t len, raw;
        memcpy(&len, p + off, 2);
        memcpy(&raw, p + off + 2, 2);
        unsigned type = raw & NLA_TYPE_MASK;
        if (len < NLA_HDRLEN) {
            JS_FreeValue(ctx, obj);
            *out = error_text(ctx, "attribute at offset %zu: length %u is shorter than its header", off, len);
            return DECODE_ERROR;
        }
        if (len > n - off) {
            JS_FreeValue(ctx, obj);
            *out = error_text(ctx, "attribute type %u at offset %zu: length %u runs past the end (%zu bytes left)", type, off, len, n - off);
            return DECODE_ERROR;
        }
        unsigned kind = type < pol->count ? pol->kinds[type] : KIND_SKIP;
        if (kind != KIND_SKIP) {
            const uint8_t *v = p + off + NLA_HDRLEN;
            size_t size = len - NLA_HDRLEN;
            JSAtom atom = pol->atoms[type];
            if (fixed_size[kind] > 0 && size != (size_t)fixed_size[kind]) {
                const char *k = JS_AtomToCString(ctx, atom);
                JS_FreeValue(ctx, obj);
                *out = error_text(ctx, "attribute %s (%u): expected %d bytes, got %zu", k ? k : "?", type, fixed_size[kind], size);
                JS_FreeCString(ctx, k);
                return DECODE_ERROR;
            }
            JSValue value = JS_UNDEFINED;
            int defer = 0;
            switch (kind) {
            case KIND_U8: value = JS_NewInt32(ctx, v[0]); break;
            case KIND_U16: { uint16_t x; memcpy(&x, v, 2); value = JS_NewInt32(ctx, x); break; }
            case KIND_U32: { uint32_t x; memcpy(&x, v, 4); value = JS_NewUint32(ctx, x); break; }
            case KIND_S32: { int32_t x; memcpy(&x, v, 4); value = JS_NewInt32(ctx, x); break; }
            case KIND_U64: {
                /* Same as the JS reader: a number, exact up to 2^53. */
                uint64_t x;
                memcpy(&x, v, 8);
                value = JS_NewFloat64(ctx, (double)x);
                break;
            }
            case KIND_FLAG: value = JS_TRUE; break;
            case KIND_MAC: value = hwaddr_text(ctx, v, 6); break;
            case KIND_HWADDR:
                if (size <= 32)
                    value = hwaddr_text(ctx, v, size);
                else
                    defer = 1;
                break;
            case KIND_IPV4: value = ipv4_text(ctx, v); break;
            case KIND_BINARY: value = JS_NewUint8ArrayCopy(ctx, v, size); break;
            case KIND_STRING: {
                size_t end = 0;
                int ascii = 1;
                while (end < size && v[end] != 0) {
                    if (v[end] & 0x80)
                        ascii = 0;
                    end++;
                }
                if (ascii)
                    value = JS_NewStringLen(ctx, (const char *)v, end);
                else
                    defer = 1;
                break;
            }
            default: defer = 1;
            }
            undefer(deferred, (int32_t)type);
            if (defer) {
                int32_t i = deferred[0];
                if (i >= max_deferred) {
                    JS_FreeValue(ctx, obj);
                    return DECODE_GIVE_UP;
                }
                deferred[1 + i * 3] = (int32_t)type;
                deferred[2 + i * 3] = (int32_t)(base + off + NLA_HDRLEN);
                deferred[3 + i * 3] = (int32_t)size;
                deferred[0] = i + 1;
            } else if (JS_IsException(value) ||
                       JS_DefinePropertyValue(ctx, obj, atom, value, JS_PROP_C_W_E) < 0) {
                JS_FreeValue(ctx, obj);
                return DECODE_EXCEPTION;
            }
        }
        off += ((size_t)len + 3) & ~(size_t)3;
    }
    *out = obj;
    return DECODED;
}

static JSValue js_nl_decode_attrs(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    int32_t *deferred, max_deferred;
    (void)this_val;
    if (argc < 3 || x0_get_bytes(ctx, argv[0], &p, &n))
        return JS_EXCEPTION;
    nl_policy *pol = get_policy(ctx, argv[1]);
    if (!pol || get_deferred(ctx, argv[2], &deferred, &max_deferred))
        return JS_EXCEPTION;
    /* Optional start offset: the attributes of a message payload after its fixed header. */
    int64_t start = 0;
    if (argc > 3 && !JS_IsUndefined(argv[3]) && JS_ToInt64Ext(ctx, &start, argv[3]))
        return JS_EXCEPTION;
    if (start < 0 || (uint64_t)start > n)
        return JS_ThrowRangeError(ctx, "nlDecodeAttrs: start %lld outside %zu bytes", (long long)start, n);
    JSValue out = JS_UNDEFINED;
    switch (decode_attrs(ctx, p + start, n - (size_t)start, (size_t)start, pol, deferred, max_deferred, &out)) {
    case DECODED:
    case DECODE_ERROR: return out;
    case DECODE_GIVE_UP: return JS_NULL;
    default: return JS_EXCEPTION;
    }
}

#define NLMSG_HDRLEN 16
#define NLM_F_DUMP_INTR 0x10

static JSValue js_nl_decode_dump(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    int32_t *deferred, max_deferred;
    int64_t offset, count;
    uint32_t seq, type;
    int32_t cmd, hdrlen;
    (void)this_val;
    if (argc < 9 || x0_get_bytes(ctx, argv[0], &p, &n) || JS_ToInt64Ext(ctx, &offset, argv[1]))
        return JS_EXCEPTION;
    nl_policy *pol = get_policy(ctx, argv[2]);
    if (!pol || get_deferred(ctx, argv[3], &deferred, &max_deferred) || JS_ToUint32(ctx, &seq, argv[4]) ||
        JS_ToUint32(ctx, &type, argv[5]) || JS_ToInt32(ctx, &cmd, argv[6]) || JS_ToInt32(ctx, &hdrlen, argv[7]) ||
        JS_GetLength(ctx, argv[8], &count))
        return JS_EXCEPTION;
    if (count < 0 || count >= 0xffffffffLL)
        return JS_ThrowRangeError(ctx, "nlDecodeDump: out has %lld entries", (long long)count);
    if (offset < 0 || (uint64_t)offset > n || hdrlen < 0)
        return JS_ThrowRangeError(ctx, "nlDecodeDump: offset %lld outside %zu bytes", (long long)offset, n);
    size_t off = (size_t)offset;
    while (n - off >= NLMSG_HDRLEN) {
        uint32_t len, mseq;
        uint16_t mtype, flags;
        memcpy(&len, p + off, 4);
        memcpy(&mtype, p + off + 4, 2);
        memcpy(&flags, p + off + 6, 2);
        memcpy(&mseq, p + off + 8, 4);
        if (len < NLMSG_HDRLEN || len > n - off || mtype != type || mseq != seq || (flags & NLM_F_DUMP_INTR) ||
            len - NLMSG_HDRLEN < (uint32_t)hdrlen || (cmd >= 0 && (hdrlen < 1 || p[off + NLMSG_HDRLEN] != (uint32_t)cmd)))
            break;
        size_t body = off + NLMSG_HDRLEN + (size_t)hdrlen;
        JSValue obj = JS_UNDEFINED;
        int r = decode_attrs(ctx, p + body, len - NLMSG_HDRLEN - (size_t)hdrlen, body, pol, deferred, max_deferred, &obj);
        if (r == DECODE_EXCEPTION)
            return JS_EXCEPTION;
        if (r != DECODED || deferred[0] != 0) {
            JS_FreeValue(ctx, obj); /* the general path decodes it again and says what is wrong */
            break;
        }
        if (JS_DefinePropertyValueUint32(ctx, argv[8], (uint32_t)count++, obj, JS_PROP_C_W_E) < 0)
            return JS_EXCEPTION;
        size_t next = off + (((size_t)len + 3) & ~(size_t)3);
        off = next < n ? next : n; /* the last message may omit its padding */
    }
    return JS_NewInt64(ctx, (int64_t)off);
}

static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("nlPolicy", 2, js_nl_policy),
    JS_CFUNC_DEF("nlDecodeAttrs", 4, js_nl_decode_attrs),
    JS_CFUNC_DEF("nlDecodeDump", 9, js_nl_decode_dump),
    JS_PROP_INT32_DEF("NL_KIND_U8", KIND_U8, 0),
    JS_PROP_INT32_DEF("NL_KIND_U16", KIND_U16, 0),
    JS_PROP_INT32_DEF("NL_KIND_U32", KIND_U32, 0),
    JS_PROP_INT32_DEF("NL_KIND_S32", KIND_S32, 0),
    JS_PROP_INT32_DEF("NL_KIND_U64", KIND_U64, 0),
    JS_PROP_INT32_DEF("NL_KIND_FLAG", KIND_FLAG, 0),
    JS_PROP_INT32_DEF("NL_KIND_STRING", KIND_STRING, 0),
    JS_PROP_INT32_DEF("NL_KIND_MAC", KIND_MAC, 0),
    JS_PROP_INT32_DEF("NL_KIND_OTHER", KIND_OTHER, 0),
    JS_PROP_INT32_DEF("NL_KIND_HWADDR", KIND_HWADDR, 0),
    JS_PROP_INT32_DEF("NL_KIND_IPV4", KIND_IPV4, 0),
    JS_PROP_INT32_DEF("NL_KIND_BINARY", KIND_BINARY, 0),
};
const x0_part x0_nlattr_part = { entries, sizeof(entries) / sizeof(entries[0]) };
