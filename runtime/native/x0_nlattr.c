/*
 * Netlink attribute decoding in C: the hot path of every batman-adv and rtnetlink dump.
 *
 * runtime/src/netlink/policy.ts decodes an attribute stream with a policy (attribute
 * type -> key and kind). On quickjs-ng that walk costs about 1 us per attribute in
 * bytecode; here it is a few tens of ns. The JS decoder stays the reference: this one
 * must give the same object or the same error text (a test feeds both the same random
 * and mutated streams), and whatever it does not handle it hands back to JS.
 *
 * nlDecodeAttrs(bytes, kinds: Uint8Array, keys: Array, deferred: Int32Array, start = 0)
 *   -> object | string (error, without the caller's "what: " prefix) | null (use JS)
 * kinds[type] is 0 for "skip" or a KIND_* below. Fixed-size kinds, flags, MACs and
 * ASCII strings are decoded here; every other kept attribute (non-ASCII strings,
 * hwaddr, ipv4, binary) is listed in `deferred` as (type, offset, length) triples after
 * a count in deferred[0] (offsets count from the start of `bytes`), for JS to decode
 * and assign after this returns. Offsets in error texts count from `start`.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include "x0_native.h"

enum {
    KIND_SKIP = 0, KIND_U8, KIND_U16, KIND_U32, KIND_S32, KIND_U64, KIND_FLAG,
    KIND_STRING, KIND_MAC, KIND_OTHER
};

#define NLA_HDRLEN 4
#define NLA_TYPE_MASK 0x3fff

static const int fixed_size[] = { 0, 1, 2, 4, 4, 8, -1, -1, 6, -1 };

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

static JSValue mac_text(JSContext *ctx, const uint8_t *p)
{
    static const char hex[] = "0123456789abcdef";
    char s[17];
    for (int i = 0; i < 6; i++) {
        s[i * 3] = hex[p[i] >> 4];
        s[i * 3 + 1] = hex[p[i] & 15];
        if (i < 5)
            s[i * 3 + 2] = ':';
    }
    return JS_NewStringLen(ctx, s, 17);
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

static JSValue js_nl_decode_attrs(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *p, *kinds, *dbytes;
    size_t n, nkinds, dlen;
    (void)this_val;
    if (argc < 4 || x0_get_bytes(ctx, argv[0], &p, &n) || x0_get_bytes(ctx, argv[1], &kinds, &nkinds) ||
        x0_get_bytes(ctx, argv[3], &dbytes, &dlen))
        return JS_EXCEPTION;
    if (dlen < sizeof(int32_t) || ((uintptr_t)dbytes & 3))
        return JS_ThrowTypeError(ctx, "nlDecodeAttrs: deferred must be an Int32Array");
    int32_t *deferred = (int32_t *)dbytes;
    int32_t max_deferred = (int32_t)((dlen / sizeof(int32_t) - 1) / 3);
    deferred[0] = 0;
    /* Keys are looked up only for the attributes kept; they are atoms already. */
    JSValueConst keys = argv[2];
    /* Optional start offset: the attributes of a message payload after its fixed header. */
    int64_t start = 0;
    if (argc > 4 && !JS_IsUndefined(argv[4]) && JS_ToInt64Ext(ctx, &start, argv[4]))
        return JS_EXCEPTION;
    if (start < 0 || (uint64_t)start > n)
        return JS_ThrowRangeError(ctx, "nlDecodeAttrs: start %lld outside %zu bytes", (long long)start, n);
    p += start;
    n -= (size_t)start;
    JSValue out = JS_NewObject(ctx);
    if (JS_IsException(out))
        return out;
    size_t off = 0;
    while (off <= n && n - off >= NLA_HDRLEN) { /* off passes n after the last padding */
        uint16_t len, raw;
        memcpy(&len, p + off, 2);
        memcpy(&raw, p + off + 2, 2);
        unsigned type = raw & NLA_TYPE_MASK;
        if (len < NLA_HDRLEN) {
            JS_FreeValue(ctx, out);
            return error_text(ctx, "attribute at offset %zu: length %u is shorter than its header", off, len);
        }
        if (len > n - off) {
            JS_FreeValue(ctx, out);
            return error_text(ctx, "attribute type %u at offset %zu: length %u runs past the end (%zu bytes left)", type, off, len, n - off);
        }
        unsigned kind = type < nkinds ? kinds[type] : KIND_SKIP;
        if (kind != KIND_SKIP) {
            const uint8_t *v = p + off + NLA_HDRLEN;
            size_t size = len - NLA_HDRLEN;
            if (kind > KIND_OTHER) {
                JS_FreeValue(ctx, out);
                return JS_ThrowRangeError(ctx, "nlDecodeAttrs: unknown kind %u", kind);
            }
            JSValue key = JS_GetPropertyUint32(ctx, keys, type);
            if (JS_IsException(key)) {
                JS_FreeValue(ctx, out);
                return key;
            }
            if (fixed_size[kind] > 0 && size != (size_t)fixed_size[kind]) {
                const char *k = JS_ToCString(ctx, key);
                JSValue e = error_text(ctx, "attribute %s (%u): expected %d bytes, got %zu", k ? k : "?", type, fixed_size[kind], size);
                JS_FreeCString(ctx, k);
                JS_FreeValue(ctx, key);
                JS_FreeValue(ctx, out);
                return e;
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
            case KIND_MAC: value = mac_text(ctx, v); break;
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
                JS_FreeValue(ctx, key);
                if (i >= max_deferred) {
                    JS_FreeValue(ctx, out);
                    return JS_NULL;
                }
                deferred[1 + i * 3] = (int32_t)type;
                deferred[2 + i * 3] = (int32_t)((size_t)start + off + NLA_HDRLEN);
                deferred[3 + i * 3] = (int32_t)size;
                deferred[0] = i + 1;
            } else {
                if (JS_IsException(value)) {
                    JS_FreeValue(ctx, key);
                    JS_FreeValue(ctx, out);
                    return value;
                }
                JSAtom atom = JS_ValueToAtom(ctx, key);
                JS_FreeValue(ctx, key);
                if (atom == JS_ATOM_NULL) {
                    JS_FreeValue(ctx, value);
                    JS_FreeValue(ctx, out);
                    return JS_EXCEPTION;
                }
                int r = JS_SetProperty(ctx, out, atom, value);
                JS_FreeAtom(ctx, atom);
                if (r < 0) {
                    JS_FreeValue(ctx, out);
                    return JS_EXCEPTION;
                }
            }
        }
        off += ((size_t)len + 3) & ~(size_t)3;
    }
    return out;
}

static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("nlDecodeAttrs", 5, js_nl_decode_attrs),
    JS_PROP_INT32_DEF("NL_KIND_U8", KIND_U8, 0),
    JS_PROP_INT32_DEF("NL_KIND_U16", KIND_U16, 0),
    JS_PROP_INT32_DEF("NL_KIND_U32", KIND_U32, 0),
    JS_PROP_INT32_DEF("NL_KIND_S32", KIND_S32, 0),
    JS_PROP_INT32_DEF("NL_KIND_U64", KIND_U64, 0),
    JS_PROP_INT32_DEF("NL_KIND_FLAG", KIND_FLAG, 0),
    JS_PROP_INT32_DEF("NL_KIND_STRING", KIND_STRING, 0),
    JS_PROP_INT32_DEF("NL_KIND_MAC", KIND_MAC, 0),
    JS_PROP_INT32_DEF("NL_KIND_OTHER", KIND_OTHER, 0),
};
const x0_part x0_nlattr_part = { entries, sizeof(entries) / sizeof(entries[0]) };
