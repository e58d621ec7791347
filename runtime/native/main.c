/*
 * x0tta6bl4: the agent's runtime. One binary embedding quickjs-ng.
 *
 *   x0tta6bl4 [args]           run the embedded bundle (dist/x0tta6bl4.js compiled
 *                              to bytecode by qjsc and linked in as x0_bundle; or,
 *                              built with BUNDLE_FORM=source, its JS text, compiled here)
 *   x0tta6bl4 run FILE [args]  run FILE as an ES module (tools and tests)
 *
 * Both get the same engine modules: qjs:std, qjs:os and x0tta6bl4:native.
 * scriptArgs is [program-or-FILE, ...args].
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "quickjs-libc.h"
#include "quickjs.h"
#include "x0_native.h"

extern const uint8_t x0_bundle[];
extern const uint32_t x0_bundle_size;
/* Defined (as 1) only by a BUNDLE_FORM=source build's bundle (runtime/native/Makefile). */
extern const int x0_bundle_is_source __attribute__((weak));

static JSContext *new_context(JSRuntime *rt)
{
    JSContext *ctx = JS_NewContext(rt);
    if (!ctx)
        return NULL;
    if (!js_init_module_std(ctx, "qjs:std") || !js_init_module_os(ctx, "qjs:os") ||
        !x0_init_native_module(ctx, X0_NATIVE_MODULE_NAME)) {
        JS_FreeContext(ctx);
        return NULL;
    }
    return ctx;
}

/* Print an uncaught exception on one line; the stack only with X0_DEBUG set. */
static void report_exception(JSContext *ctx, const char *where)
{
    JSValue exc = JS_GetException(ctx);
    const char *msg = JS_ToCString(ctx, exc);
    fprintf(stderr, "x0tta6bl4: %s: %s\n", where, msg ? msg : "(unprintable exception)");
    if (msg)
        JS_FreeCString(ctx, msg);
    if (getenv("X0_DEBUG") && JS_IsError(exc)) {
        JSValue st = JS_GetPropertyStr(ctx, exc, "stack");
        const char *s = JS_ToCString(ctx, st);
        if (s) {
            fputs(s, stderr);
            JS_FreeCString(ctx, s);
        }
        JS_FreeValue(ctx, st);
    }
    JS_FreeValue(ctx, exc);
}

/*
 * Evaluate a compiled or loaded module and run the event loop until nothing is
 * left to wait for. We do not use js_std_await(): in quickjs-ng 0.17 it runs one
 * pending job per turn and then blocks in poll(), so an await chain that needs
 * several jobs after one I/O event stalls. js_std_loop() drains every job before
 * it polls; the module's promise is checked once the loop ends.
 */
static int run_module(JSContext *ctx, JSValue mod, const char *where)
{
    JSValue promise;
    int rc = 0;
    if (JS_IsException(mod))
        goto fail;
    if (JS_VALUE_GET_TAG(mod) == JS_TAG_MODULE) {
        if (JS_ResolveModule(ctx, mod) < 0 || js_module_set_import_meta(ctx, mod, false, true) < 0) {
            JS_FreeValue(ctx, mod);
            goto fail;
        }
    }
    promise = JS_EvalFunction(ctx, mod);
    if (JS_IsException(promise))
        goto fail;
    if (js_std_loop(ctx) != 0) {
        report_exception(ctx, "uncaught");
        rc = -1;
    } else if (JS_PromiseState(ctx, promise) == JS_PROMISE_REJECTED) {
        JS_Throw(ctx, JS_PromiseResult(ctx, promise));
        report_exception(ctx, where);
        rc = -1;
    } else if (JS_PromiseState(ctx, promise) == JS_PROMISE_PENDING) {
        fprintf(stderr, "x0tta6bl4: %s: top-level await never settled (nothing left to wait for)\n", where);
        rc = -1;
    }
    JS_FreeValue(ctx, promise);
    return rc;
fail:
    report_exception(ctx, where);
    return -1;
}

/*
 * Give back the resident pages of the embedded bundle once it has been read. quickjs-ng
 * copies everything it reads (bytecode, atoms, constants) into the JS heap and keeps no
 * pointer into the buffer, and a source bundle is compiled into the heap too; the bytes
 * in the binary are never read again. Their pages are clean and file-backed, so
 * MADV_DONTNEED only drops them from our resident set (~440 KB of a 20-node agent's
 * RSS on x86_64, docs/performance.md); touching them again would read them back from
 * the file, not fail. Only whole pages inside the array are released.
 */
static void release_bundle_pages(void)
{
    long page = sysconf(_SC_PAGESIZE);
    if (page <= 0)
        return;
    uintptr_t mask = (uintptr_t)page - 1;
    uintptr_t start = ((uintptr_t)x0_bundle + mask) & ~mask;
    uintptr_t end = ((uintptr_t)x0_bundle + x0_bundle_size) & ~mask;
    if (end > start)
        madvise((void *)start, end - start, MADV_DONTNEED);
}

static JSValue load_bundle(JSContext *ctx)
{
    JSValue mod;
    if (&x0_bundle_is_source && x0_bundle_is_source)
        mod = JS_Eval(ctx, (const char *)x0_bundle, x0_bundle_size, "x0tta6bl4.js",
                      JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    else
        mod = JS_ReadObject(ctx, x0_bundle, x0_bundle_size, JS_READ_OBJ_BYTECODE);
    release_bundle_pages();
    return mod;
}

static int run_file(JSContext *ctx, const char *file)
{
    size_t len;
    uint8_t *buf = js_load_file(ctx, &len, file);
    if (!buf) {
        fprintf(stderr, "x0tta6bl4: run: cannot read %s\n", file);
        return -1;
    }
    JSValue mod = JS_Eval(ctx, (const char *)buf, len, file,
                          JS_EVAL_TYPE_MODULE | JS_EVAL_FLAG_COMPILE_ONLY);
    js_free(ctx, buf);
    return run_module(ctx, mod, file);
}

int main(int argc, char **argv)
{
    int script_mode = argc >= 2 && strcmp(argv[1], "run") == 0;
    int rc = 0;

    if (script_mode && argc < 3) {
        fprintf(stderr, "x0tta6bl4: run: missing FILE\nusage: x0tta6bl4 run FILE.js [args]\n");
        return 2;
    }
    /* Writes to a closed socket or pipe must fail with EPIPE, not kill the agent. */
    signal(SIGPIPE, SIG_IGN);
    JSRuntime *rt = JS_NewRuntime();
    if (!rt) {
        fputs("x0tta6bl4: cannot allocate the JS runtime\n", stderr);
        return 1;
    }
    js_std_set_worker_new_context_func(new_context);
    js_std_init_handlers(rt);
    JS_SetModuleLoaderFunc2(rt, NULL, js_module_loader, js_module_check_attributes, NULL);
    JS_SetHostPromiseRejectionTracker(rt, js_std_promise_rejection_tracker, NULL);
    JSContext *ctx = new_context(rt);
    if (!ctx) {
        fputs("x0tta6bl4: cannot create the JS context\n", stderr);
        return 1;
    }
    if (script_mode)
        js_std_add_helpers(ctx, argc - 2, argv + 2);
    else
        js_std_add_helpers(ctx, argc, argv);

    if (script_mode)
        rc = run_file(ctx, argv[2]);
    else
        rc = run_module(ctx, load_bundle(ctx), "fatal");
    js_std_free_handlers(rt);
    JS_FreeContext(ctx);
    JS_FreeRuntime(rt);
    return rc == 0 ? 0 : 1;
}
