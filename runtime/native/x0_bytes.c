/* Borrowing bytes from JS ArrayBuffers and typed arrays without copying. */
#include "x0_native.h"

int x0_get_bytes(JSContext *ctx, JSValueConst v, uint8_t **ptr, size_t *len)
{
    size_t off, blen, per;
    if (JS_IsArrayBuffer(v)) {
        uint8_t *p = JS_GetArrayBuffer(ctx, len, v);
        if (!p && *len != 0)
            return -1;
        *ptr = p;
        return 0;
    }
    JSValue ab = JS_GetTypedArrayBuffer(ctx, v, &off, &blen, &per);
    if (JS_IsException(ab))
        return -1;
    size_t ablen;
    uint8_t *base = JS_GetArrayBuffer(ctx, &ablen, ab);
    JS_FreeValue(ctx, ab);
    if (!base && blen != 0) {
        JS_ThrowTypeError(ctx, "detached buffer");
        return -1;
    }
    if (off > ablen || blen > ablen - off) {
        JS_ThrowRangeError(ctx, "typed array out of its buffer");
        return -1;
    }
    *ptr = base ? base + off : NULL;
    *len = blen;
    return 0;
}

int x0_get_byte_range(JSContext *ctx, int argc, JSValueConst *argv, int first,
                      uint8_t **ptr, size_t *len)
{
    int64_t off = 0, n = -1;
    if (first >= argc) {
        JS_ThrowTypeError(ctx, "missing buffer argument");
        return -1;
    }
    if (x0_get_bytes(ctx, argv[first], ptr, len))
        return -1;
    if (first + 1 < argc && !JS_IsUndefined(argv[first + 1]) &&
        JS_ToInt64Ext(ctx, &off, argv[first + 1]))
        return -1;
    if (first + 2 < argc && !JS_IsUndefined(argv[first + 2]) &&
        JS_ToInt64Ext(ctx, &n, argv[first + 2]))
        return -1;
    if (off < 0 || (uint64_t)off > *len) {
        JS_ThrowRangeError(ctx, "offset %lld outside buffer of %zu bytes", (long long)off, *len);
        return -1;
    }
    if (n < 0)
        n = (int64_t)(*len - (size_t)off);
    if ((uint64_t)n > *len - (size_t)off) {
        JS_ThrowRangeError(ctx, "length %lld beyond buffer of %zu bytes", (long long)n, *len);
        return -1;
    }
    *ptr += off;
    *len = (size_t)n;
    return 0;
}

/* utf8Encode(string) -> Uint8Array (the engine's own UTF-8 conversion). */
static JSValue js_utf8_encode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    size_t n;
    (void)this_val; (void)argc;
    const char *s = JS_ToCStringLen(ctx, &n, argv[0]);
    if (!s)
        return JS_EXCEPTION;
    JSValue out = JS_NewUint8ArrayCopy(ctx, (const uint8_t *)s, n);
    JS_FreeCString(ctx, s);
    return out;
}

/* utf8Decode(bytes, offset?, length?) -> string; invalid sequences become U+FFFD. */
static JSValue js_utf8_decode(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *p;
    size_t n;
    (void)this_val;
    if (x0_get_byte_range(ctx, argc, argv, 0, &p, &n))
        return JS_EXCEPTION;
    return JS_NewStringLen(ctx, (const char *)p, n);
}

static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("utf8Encode", 1, js_utf8_encode),
    JS_CFUNC_DEF("utf8Decode", 3, js_utf8_decode),
};
const x0_part x0_bytes_part = { entries, sizeof(entries) / sizeof(entries[0]) };
