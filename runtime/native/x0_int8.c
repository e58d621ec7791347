/*
 * The anomaly model's hot loop: forward pass of a dense network with int8 weights, int8
 * input and output and int8 or int16 hidden activations, int32 accumulation and
 * per-channel fixed-point requantization: the same arithmetic as
 * runtime/src/model/int-inference.ts, which stays the reference and the path on Node.
 * Under the interpreter that loop cost about 0.2 µs per multiply-add; here it is a few
 * nanoseconds.
 *
 * int8Forward(weights, params, input, out)
 *   weights  Int8Array: every layer's weights, row-major [o * inDim + i], layer after layer
 *   params   Int32Array: layerCount, then per layer inDim, outDim, zeroPoint, low, high,
 *            then outDim triples (bias, m0, shift); bias already has −zp_in · Σ w folded
 *            in; high is 127 (an int8 output) or 32767 (int16), the last layer's 127
 *   input    Int8Array of at least the first layer's inDim
 *   out      Int8Array of at least the last layer's outDim: receives the output
 * Everything is checked before anything is computed; a malformed call throws a
 * RangeError and writes nothing.
 */
#include "x0_native.h"

#define INT8_MAX_LAYERS 8
#define INT8_MAX_UNITS 64

typedef struct {
    const int8_t *w;
    const int32_t *p; /* outDim triples */
    int in, out, zp, low, high;
} int8_layer;

/* round_half_away_from_zero(acc · m0 / 2^shift), saturated to ±(2^31 − 1): mulRoundShift. */
static int32_t requantize(int64_t acc, int64_t m0, int shift)
{
    uint64_t a = (uint64_t)(acc < 0 ? -acc : acc); /* ≤ 2^31 − 1 */
    uint64_t r = (a * (uint64_t)m0 + ((uint64_t)1 << (shift - 1))) >> shift; /* < 2^62 + 2^61 */
    if (r > 0x7fffffff)
        r = 0x7fffffff;
    return acc < 0 ? -(int32_t)r : (int32_t)r;
}

static int get_view(JSContext *ctx, JSValueConst v, const char *what, size_t unit, uint8_t **p, size_t *n)
{
    if (x0_get_bytes(ctx, v, p, n))
        return -1;
    if (*n % unit != 0 || (unit > 1 && ((uintptr_t)*p % unit) != 0)) {
        JS_ThrowRangeError(ctx, "int8Forward: %s is not an aligned array of %zu-byte values", what, unit);
        return -1;
    }
    return 0;
}

static JSValue js_int8_forward(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint8_t *wb, *pb, *xb, *yb;
    size_t wn, pn, xn, yn;
    (void)this_val;
    if (argc < 4)
        return JS_ThrowTypeError(ctx, "int8Forward: 4 arguments expected");
    if (get_view(ctx, argv[0], "weights", 1, &wb, &wn) || get_view(ctx, argv[1], "params", 4, &pb, &pn) ||
        get_view(ctx, argv[2], "input", 1, &xb, &xn) || get_view(ctx, argv[3], "out", 1, &yb, &yn))
        return JS_EXCEPTION;
    const int32_t *params = (const int32_t *)pb;
    size_t np = pn / 4, k = 1, wo = 0;
    int8_layer layers[INT8_MAX_LAYERS];
    if (np < 1 || params[0] < 1 || params[0] > INT8_MAX_LAYERS)
        return JS_ThrowRangeError(ctx, "int8Forward: 1 to %d layers", INT8_MAX_LAYERS);
    int count = params[0];
    for (int l = 0; l < count; l++) {
        if (np - k < 5)
            return JS_ThrowRangeError(ctx, "int8Forward: params end in layer %d", l);
        int8_layer *L = &layers[l];
        L->in = params[k];
        L->out = params[k + 1];
        L->zp = params[k + 2];
        L->low = params[k + 3];
        L->high = params[k + 4];
        k += 5;
        if (L->in < 1 || L->in > INT8_MAX_UNITS || L->out < 1 || L->out > INT8_MAX_UNITS)
            return JS_ThrowRangeError(ctx, "int8Forward: layer %d is %dx%d (1 to %d units)", l, L->in, L->out, INT8_MAX_UNITS);
        if (l > 0 && L->in != layers[l - 1].out)
            return JS_ThrowRangeError(ctx, "int8Forward: layer %d takes %d inputs, the one before gives %d", l, L->in, layers[l - 1].out);
        if (L->high != 127 && (L->high != 32767 || l == count - 1))
            return JS_ThrowRangeError(ctx, "int8Forward: layer %d output top %d (127, or 32767 for a hidden layer)", l, L->high);
        if (L->zp < -L->high - 1 || L->zp > L->high || L->low < -L->high - 1 || L->low > L->high)
            return JS_ThrowRangeError(ctx, "int8Forward: layer %d zero point or floor outside int%d", l, L->high == 127 ? 8 : 16);
        if ((np - k) / 3 < (size_t)L->out)
            return JS_ThrowRangeError(ctx, "int8Forward: params end in layer %d", l);
        L->p = params + k;
        for (int o = 0; o < L->out; o++) {
            int32_t m0 = L->p[3 * o + 1], shift = L->p[3 * o + 2];
            if (m0 < 0 || shift < 1 || shift > 62)
                return JS_ThrowRangeError(ctx, "int8Forward: layer %d channel %d multiplier %d >> %d", l, o, m0, shift);
        }
        k += 3 * (size_t)L->out;
        size_t nw = (size_t)L->in * (size_t)L->out;
        if (wn - wo < nw)
            return JS_ThrowRangeError(ctx, "int8Forward: weights end in layer %d", l);
        L->w = (const int8_t *)wb + wo;
        wo += nw;
    }
    if (k != np || wo != wn)
        return JS_ThrowRangeError(ctx, "int8Forward: %zu params and %zu weights left over", np - k, wn - wo);
    if (xn < (size_t)layers[0].in || yn < (size_t)layers[count - 1].out)
        return JS_ThrowRangeError(ctx, "int8Forward: input of %zu or output of %zu values too short", xn, yn);

    /* Activations are held as int16 whatever their width; the input is widened once. */
    int16_t buf[3][INT8_MAX_UNITS];
    const int16_t *x = buf[2];
    for (int i = 0; i < layers[0].in; i++)
        buf[2][i] = ((const int8_t *)xb)[i];
    for (int l = 0; l < count; l++) {
        const int8_layer *L = &layers[l];
        int16_t *y = buf[l & 1];
        /* |requantized| is clamped to 2^bits − 1 before the zero point is added, as in TypeScript. */
        int span = 2 * L->high + 1;
        for (int o = 0; o < L->out; o++) {
            const int8_t *row = L->w + (size_t)o * (size_t)L->in;
            int64_t acc = L->p[3 * o];
            for (int i = 0; i < L->in; i++)
                acc += (int32_t)row[i] * (int32_t)x[i];
            /* A validated network never leaves int32; saturate so that C stays defined if not. */
            if (acc > 0x7fffffff)
                acc = 0x7fffffff;
            else if (acc < -0x7fffffff)
                acc = -0x7fffffff;
            int32_t v = requantize(acc, L->p[3 * o + 1], L->p[3 * o + 2]);
            if (v > span)
                v = span;
            else if (v < -span)
                v = -span;
            v += L->zp;
            y[o] = (int16_t)(v > L->high ? L->high : v < L->low ? L->low : v);
        }
        x = y;
    }
    /* Written at the end: `out` may be the input's own buffer. The last layer is int8. */
    for (int o = 0; o < layers[count - 1].out; o++)
        ((int8_t *)yb)[o] = (int8_t)x[o];
    return JS_UNDEFINED;
}

static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("int8Forward", 4, js_int8_forward),
};
const x0_part x0_int8_part = { entries, sizeof(entries) / sizeof(entries[0]) };
