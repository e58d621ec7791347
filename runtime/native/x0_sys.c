/* Clock, syslog, interface names and resource usage. */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>
#include "x0_native.h"

static JSValue js_monotonic_ns(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct timespec ts;
    (void)this_val; (void)argc; (void)argv;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewBigUint64(ctx, (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
}

static JSValue js_monotonic_ms(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct timespec ts;
    (void)this_val; (void)argc; (void)argv;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return JS_NewFloat64(ctx, (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6);
}

/* syslog keeps the ident pointer, so it must outlive the call. */
static char *syslog_ident;

static JSValue js_openlog(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char *s = JS_ToCString(ctx, argv[0]);
    if (!s)
        return JS_EXCEPTION;
    char *copy = strdup(s);
    JS_FreeCString(ctx, s);
    if (!copy)
        return JS_ThrowOutOfMemory(ctx);
    closelog();
    free(syslog_ident);
    syslog_ident = copy;
    openlog(syslog_ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
    return JS_UNDEFINED;
}

/* syslog(priority, message) */
static JSValue js_syslog(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t prio;
    (void)this_val; (void)argc;
    if (JS_ToInt32(ctx, &prio, argv[0]))
        return JS_EXCEPTION;
    const char *s = JS_ToCString(ctx, argv[1]);
    if (!s)
        return JS_EXCEPTION;
    syslog(prio & LOG_PRIMASK, "%s", s);
    JS_FreeCString(ctx, s);
    return JS_UNDEFINED;
}

static JSValue js_if_nametoindex(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char *s = JS_ToCString(ctx, argv[0]);
    if (!s)
        return JS_EXCEPTION;
    unsigned idx = if_nametoindex(s);
    int err = errno;
    if (idx == 0) {
        x0_throw_errno_subject(ctx, "interface", s, err == 0 ? ENODEV : err);
        JS_FreeCString(ctx, s);
        return JS_EXCEPTION;
    }
    JS_FreeCString(ctx, s);
    return JS_NewUint32(ctx, idx);
}

static JSValue js_if_indextoname(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    uint32_t idx;
    char name[IF_NAMESIZE];
    (void)this_val; (void)argc;
    if (JS_ToUint32(ctx, &idx, argv[0]))
        return JS_EXCEPTION;
    if (!if_indextoname(idx, name))
        return JS_NULL;
    return JS_NewString(ctx, name);
}

/* Current RSS from /proc/self/statm (pages), peak and CPU from getrusage. */
static JSValue js_resource_usage(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    struct rusage ru;
    long pages = 0, resident = 0;
    char buf[128];
    (void)this_val; (void)argc; (void)argv;
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        ssize_t n = read(fd, buf, sizeof(buf) - 1);
        close(fd);
        if (n > 0) {
            buf[n] = '\0';
            if (sscanf(buf, "%ld %ld", &pages, &resident) != 2)
                resident = 0;
        }
    }
    getrusage(RUSAGE_SELF, &ru);
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "rssBytes", JS_NewInt64(ctx, (int64_t)resident * sysconf(_SC_PAGESIZE)));
    JS_SetPropertyStr(ctx, o, "maxRssBytes", JS_NewInt64(ctx, (int64_t)ru.ru_maxrss * 1024));
    JS_SetPropertyStr(ctx, o, "userCpuMs", JS_NewFloat64(ctx, (double)ru.ru_utime.tv_sec * 1e3 +
                                                               (double)ru.ru_utime.tv_usec / 1e3));
    JS_SetPropertyStr(ctx, o, "systemCpuMs", JS_NewFloat64(ctx, (double)ru.ru_stime.tv_sec * 1e3 +
                                                                 (double)ru.ru_stime.tv_usec / 1e3));
    return o;
}

static JSValue js_getpid(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    return JS_NewInt32(ctx, (int32_t)getpid());
}

static JSValue js_engine_version(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    return JS_NewString(ctx, JS_GetVersion());
}

#define C(n) JS_PROP_INT32_DEF(#n, n, JS_PROP_CONFIGURABLE)
static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("monotonicNs", 0, js_monotonic_ns),
    JS_CFUNC_DEF("monotonicMs", 0, js_monotonic_ms),
    JS_CFUNC_DEF("openlog", 1, js_openlog),
    JS_CFUNC_DEF("syslog", 2, js_syslog),
    JS_CFUNC_DEF("ifNameToIndex", 1, js_if_nametoindex),
    JS_CFUNC_DEF("ifIndexToName", 1, js_if_indextoname),
    JS_CFUNC_DEF("resourceUsage", 0, js_resource_usage),
    JS_CFUNC_DEF("getpid", 0, js_getpid),
    JS_CFUNC_DEF("engineVersion", 0, js_engine_version),
    C(LOG_EMERG), C(LOG_ALERT), C(LOG_CRIT), C(LOG_ERR), C(LOG_WARNING), C(LOG_NOTICE),
    C(LOG_INFO), C(LOG_DEBUG),
    C(SIGHUP), C(SIGINT), C(SIGTERM), C(SIGKILL), C(SIGUSR1), C(SIGUSR2), C(SIGCHLD),
};
const x0_part x0_sys_part = { entries, sizeof(entries) / sizeof(entries[0]) };
