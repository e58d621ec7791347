/* errno values as JS errors that carry a readable message, .errno and .code. */
#include <errno.h>
#include <string.h>
#include "x0_native.h"

#define E(name) { name, #name }
static const struct { int num; const char *name; } errno_names[] = {
    E(EPERM), E(ENOENT), E(ESRCH), E(EINTR), E(EIO), E(ENXIO), E(E2BIG), E(EBADF),
    E(ECHILD), E(EAGAIN), E(ENOMEM), E(EACCES), E(EFAULT), E(EBUSY), E(EEXIST),
    E(EFBIG), E(EXDEV), E(ENODEV), E(ENOTDIR), E(EISDIR), E(EINVAL), E(ENFILE), E(EMFILE),
    E(ENOSPC), E(ESPIPE), E(EROFS), E(EPIPE), E(ERANGE), E(ENAMETOOLONG),
    E(ENOSYS), E(ENOTEMPTY), E(ELOOP), E(ENODATA), E(ETIME), E(EPROTO),
    E(EMSGSIZE), E(EPROTOTYPE), E(ENOPROTOOPT), E(EPROTONOSUPPORT),
    E(EOPNOTSUPP), E(EAFNOSUPPORT), E(EADDRINUSE), E(EADDRNOTAVAIL), E(ENETDOWN),
    E(ENETUNREACH), E(ECONNABORTED), E(ECONNRESET), E(ENOBUFS), E(EISCONN),
    E(ENOTCONN), E(ETIMEDOUT), E(ECONNREFUSED), E(EHOSTUNREACH), E(EALREADY),
    E(EINPROGRESS), E(ENOTSOCK), E(EDESTADDRREQ), E(ENOTSUP), E(ECANCELED),
};
#undef E

const char *x0_errno_name(int err)
{
    for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
        if (errno_names[i].num == err)
            return errno_names[i].name;
    return "EUNKNOWN";
}

JSValue x0_throw_errno_subject(JSContext *ctx, const char *op, const char *subject, int err)
{
    JSValue e = JS_NewError(ctx);
    char msg[512];
    if (subject && *subject)
        snprintf(msg, sizeof(msg), "%s %s: %s", op, subject, strerror(err));
    else
        snprintf(msg, sizeof(msg), "%s: %s", op, strerror(err));
    JS_DefinePropertyValueStr(ctx, e, "message", JS_NewString(ctx, msg),
                              JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, e, "name", JS_NewString(ctx, "HostError"),
                              JS_PROP_WRITABLE | JS_PROP_CONFIGURABLE);
    JS_DefinePropertyValueStr(ctx, e, "errno", JS_NewInt32(ctx, err), JS_PROP_C_W_E);
    JS_DefinePropertyValueStr(ctx, e, "code", JS_NewString(ctx, x0_errno_name(err)), JS_PROP_C_W_E);
    return JS_Throw(ctx, e);
}

JSValue x0_throw_errno(JSContext *ctx, const char *op, int err)
{
    return x0_throw_errno_subject(ctx, op, NULL, err);
}

static JSValue js_strerror(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t err;
    (void)this_val; (void)argc;
    if (JS_ToInt32(ctx, &err, argv[0]))
        return JS_EXCEPTION;
    return JS_NewString(ctx, strerror(err));
}

static JSValue js_errno_name(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t err;
    (void)this_val; (void)argc;
    if (JS_ToInt32(ctx, &err, argv[0]))
        return JS_EXCEPTION;
    return JS_NewString(ctx, x0_errno_name(err));
}

#define ERRNO_DEF(n) JS_PROP_INT32_DEF(#n, n, JS_PROP_CONFIGURABLE)
static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("strerror", 1, js_strerror),
    JS_CFUNC_DEF("errnoName", 1, js_errno_name),
    ERRNO_DEF(EAGAIN), ERRNO_DEF(EINTR), ERRNO_DEF(ENOENT), ERRNO_DEF(EEXIST),
    ERRNO_DEF(EINPROGRESS), ERRNO_DEF(ECONNREFUSED), ERRNO_DEF(ECONNRESET),
    ERRNO_DEF(EPIPE), ERRNO_DEF(ENOBUFS), ERRNO_DEF(ETIMEDOUT), ERRNO_DEF(EINVAL),
    ERRNO_DEF(EPERM), ERRNO_DEF(EACCES), ERRNO_DEF(ENODEV), ERRNO_DEF(EOPNOTSUPP),
    ERRNO_DEF(EBUSY), ERRNO_DEF(EMSGSIZE), ERRNO_DEF(ENOTSUP), ERRNO_DEF(EADDRINUSE),
};
const x0_part x0_errors_part = { entries, sizeof(entries) / sizeof(entries[0]) };
