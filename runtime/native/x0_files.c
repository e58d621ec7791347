/*
 * File helpers with errno-carrying errors. writeFileAtomic is the crash-safe
 * primitive for state: write a temporary file beside the target, fsync it, rename
 * it over the target, fsync the directory. A kill -9 or power loss at any moment
 * leaves either the old or the new file, never a torn one.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "x0_native.h"

static const char *arg_path(JSContext *ctx, JSValueConst v)
{
    size_t n;
    const char *s = JS_ToCStringLen(ctx, &n, v);
    if (!s)
        return NULL;
    if (n == 0 || n >= PATH_MAX || strlen(s) != n) {
        JS_FreeCString(ctx, s);
        JS_ThrowTypeError(ctx, "invalid path");
        return NULL;
    }
    return s;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_parent_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash) {
        strcpy(dir, ".");
    } else if (slash == path) {
        strcpy(dir, "/");
    } else {
        size_t n = (size_t)(slash - path);
        memcpy(dir, path, n);
        dir[n] = '\0';
    }
    int d = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (d < 0)
        return -1;
    int r = fsync(d);
    close(d);
    return r;
}

/* Get bytes from a Uint8Array/ArrayBuffer or a string (UTF-8). */
static int arg_data(JSContext *ctx, JSValueConst v, const uint8_t **p, size_t *n, const char **str)
{
    *str = NULL;
    if (JS_IsString(v)) {
        *str = JS_ToCStringLen(ctx, n, v);
        if (!*str)
            return -1;
        *p = (const uint8_t *)*str;
        return 0;
    }
    uint8_t *q;
    if (x0_get_bytes(ctx, v, &q, n))
        return -1;
    *p = q;
    return 0;
}

/* writeFileAtomic(path, data, mode=0o644) */
static JSValue js_write_file_atomic(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path, *str;
    const uint8_t *p;
    size_t n;
    int32_t mode = 0644;
    char tmp[PATH_MAX + 32];
    int fd, err;
    (void)this_val;
    if (!(path = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    if (argc > 2 && !JS_IsUndefined(argv[2]) && JS_ToInt32(ctx, &mode, argv[2]))
        goto fail_path;
    if (arg_data(ctx, argv[1], &p, &n, &str))
        goto fail_path;
    snprintf(tmp, sizeof(tmp), "%s.tmp-%ld", path, (long)getpid());
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, (mode_t)mode);
    if (fd < 0) {
        err = errno;
        goto fail_errno;
    }
    /* fchmod: the umask must not loosen or tighten what the caller asked for. */
    if (fchmod(fd, (mode_t)mode) < 0 || write_all(fd, p, n) < 0 || fsync(fd) < 0) {
        err = errno;
        close(fd);
        unlink(tmp);
        goto fail_errno;
    }
    if (close(fd) < 0 || rename(tmp, path) < 0) {
        err = errno;
        unlink(tmp);
        goto fail_errno;
    }
    if (fsync_parent_dir(path) < 0) {
        err = errno;
        goto fail_errno;
    }
    if (str)
        JS_FreeCString(ctx, str);
    JS_FreeCString(ctx, path);
    return JS_UNDEFINED;
fail_errno:
    x0_throw_errno_subject(ctx, "write", path, err);
    if (str)
        JS_FreeCString(ctx, str);
fail_path:
    JS_FreeCString(ctx, path);
    return JS_EXCEPTION;
}

/* appendFile(path, data, mode=0o644): O_APPEND write, then fsync (journals). */
static JSValue js_append_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path, *str;
    const uint8_t *p;
    size_t n;
    int32_t mode = 0644;
    int fd, err = 0;
    (void)this_val;
    if (!(path = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    if ((argc > 2 && !JS_IsUndefined(argv[2]) && JS_ToInt32(ctx, &mode, argv[2])) ||
        arg_data(ctx, argv[1], &p, &n, &str)) {
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, (mode_t)mode);
    if (fd < 0 || write_all(fd, p, n) < 0 || fsync(fd) < 0)
        err = errno;
    if (fd >= 0)
        close(fd);
    if (str)
        JS_FreeCString(ctx, str);
    if (err) {
        x0_throw_errno_subject(ctx, "append", path, err);
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    JS_FreeCString(ctx, path);
    return JS_UNDEFINED;
}

/* readFile(path, maxBytes) -> Uint8Array; EFBIG when the file is larger than maxBytes. */
static JSValue js_read_file(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path;
    int64_t max = 16 << 20;
    struct stat st;
    int fd, err = 0;
    (void)this_val;
    if (!(path = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && JS_ToInt64Ext(ctx, &max, argv[1])) {
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fstat(fd, &st) < 0) {
        err = errno;
        goto out_err;
    }
    if (S_ISDIR(st.st_mode)) {
        err = EISDIR;
        goto out_err;
    }
    /* Files in /proc and /sys report size 0: read them up to max in chunks. */
    size_t cap = st.st_size > 0 ? (size_t)st.st_size + 1 : 4096, len = 0;
    if ((int64_t)cap > max + 1)
        cap = (size_t)max + 1;
    uint8_t *buf = js_malloc(ctx, cap ? cap : 1);
    if (!buf) {
        close(fd);
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    for (;;) {
        if (len == cap) {
            if ((int64_t)cap > max)
                break;
            size_t ncap = cap * 2 > (size_t)max + 1 ? (size_t)max + 1 : cap * 2;
            uint8_t *nb = js_realloc(ctx, buf, ncap);
            if (!nb) {
                js_free(ctx, buf);
                close(fd);
                JS_FreeCString(ctx, path);
                return JS_EXCEPTION;
            }
            buf = nb;
            cap = ncap;
        }
        ssize_t r = read(fd, buf + len, cap - len);
        if (r < 0) {
            if (errno == EINTR)
                continue;
            err = errno;
            js_free(ctx, buf);
            goto out_err;
        }
        if (r == 0)
            break;
        len += (size_t)r;
    }
    close(fd);
    fd = -1;
    if ((int64_t)len > max) {
        js_free(ctx, buf);
        err = EFBIG;
        goto out_err;
    }
    JSValue out = JS_NewUint8ArrayCopy(ctx, buf, len);
    js_free(ctx, buf);
    JS_FreeCString(ctx, path);
    return out;
out_err:
    if (fd >= 0)
        close(fd);
    x0_throw_errno_subject(ctx, "read", path, err);
    JS_FreeCString(ctx, path);
    return JS_EXCEPTION;
}

/* stat(path) -> {size, mtimeMs, mode, isFile, isDirectory} | null if absent */
static JSValue js_stat(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path;
    struct stat st;
    (void)this_val; (void)argc;
    if (!(path = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    if (stat(path, &st) < 0) {
        int err = errno;
        if (err == ENOENT || err == ENOTDIR) {
            JS_FreeCString(ctx, path);
            return JS_NULL;
        }
        x0_throw_errno_subject(ctx, "stat", path, err);
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    JS_FreeCString(ctx, path);
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "size", JS_NewInt64(ctx, st.st_size));
    JS_SetPropertyStr(ctx, o, "mtimeMs", JS_NewFloat64(ctx, (double)st.st_mtim.tv_sec * 1e3 +
                                                             (double)st.st_mtim.tv_nsec / 1e6));
    JS_SetPropertyStr(ctx, o, "mode", JS_NewInt32(ctx, (int32_t)(st.st_mode & 07777)));
    JS_SetPropertyStr(ctx, o, "isFile", JS_NewBool(ctx, S_ISREG(st.st_mode)));
    JS_SetPropertyStr(ctx, o, "isDirectory", JS_NewBool(ctx, S_ISDIR(st.st_mode)));
    return o;
}

/* mkdir(path, mode): an existing directory is success. */
static JSValue js_mkdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path;
    int32_t mode = 0755;
    struct stat st;
    (void)this_val;
    if (!(path = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    if (argc > 1 && !JS_IsUndefined(argv[1]) && JS_ToInt32(ctx, &mode, argv[1])) {
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    if (mkdir(path, (mode_t)mode) < 0) {
        int err = errno;
        if (!(err == EEXIST && stat(path, &st) == 0 && S_ISDIR(st.st_mode))) {
            x0_throw_errno_subject(ctx, "mkdir", path, err);
            JS_FreeCString(ctx, path);
            return JS_EXCEPTION;
        }
    }
    JS_FreeCString(ctx, path);
    return JS_UNDEFINED;
}

/* readdir(path) -> names without "." and ".." */
static JSValue js_readdir(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path;
    (void)this_val; (void)argc;
    if (!(path = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    DIR *d = opendir(path);
    if (!d) {
        x0_throw_errno_subject(ctx, "readdir", path, errno);
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
    JSValue a = JS_NewArray(ctx);
    uint32_t i = 0;
    struct dirent *e;
    /* readdir() returns NULL both at the end and on an error (e.g. EOVERFLOW: an
     * entry that a 32-bit off_t cannot hold); only errno tells them apart. */
    for (;;) {
        errno = 0;
        if (!(e = readdir(d)))
            break;
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        JS_SetPropertyUint32(ctx, a, i++, JS_NewString(ctx, e->d_name));
    }
    int err = errno;
    closedir(d);
    if (err) {
        JS_FreeValue(ctx, a);
        x0_throw_errno_subject(ctx, "readdir", path, err);
        a = JS_EXCEPTION;
    }
    JS_FreeCString(ctx, path);
    return a;
}

/* unlink(path): a missing file is success. */
static JSValue js_unlink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *path;
    (void)this_val; (void)argc;
    if (!(path = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    if (unlink(path) < 0 && errno != ENOENT) {
        int err = errno;
        if (err == EISDIR || err == EPERM) {
            if (rmdir(path) == 0)
                goto ok;
            err = errno;
        }
        x0_throw_errno_subject(ctx, "remove", path, err);
        JS_FreeCString(ctx, path);
        return JS_EXCEPTION;
    }
ok:
    JS_FreeCString(ctx, path);
    return JS_UNDEFINED;
}

static JSValue js_rename(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    const char *from, *to;
    (void)this_val; (void)argc;
    if (!(from = arg_path(ctx, argv[0])))
        return JS_EXCEPTION;
    if (!(to = arg_path(ctx, argv[1]))) {
        JS_FreeCString(ctx, from);
        return JS_EXCEPTION;
    }
    int r = rename(from, to), err = errno;
    if (r < 0)
        x0_throw_errno_subject(ctx, "rename", from, err);
    JS_FreeCString(ctx, from);
    JS_FreeCString(ctx, to);
    return r < 0 ? JS_EXCEPTION : JS_UNDEFINED;
}

static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("writeFileAtomic", 3, js_write_file_atomic),
    JS_CFUNC_DEF("appendFile", 3, js_append_file),
    JS_CFUNC_DEF("readFile", 2, js_read_file),
    JS_CFUNC_DEF("stat", 1, js_stat),
    JS_CFUNC_DEF("mkdir", 2, js_mkdir),
    JS_CFUNC_DEF("readdir", 1, js_readdir),
    JS_CFUNC_DEF("unlink", 1, js_unlink),
    JS_CFUNC_DEF("rename", 2, js_rename),
};
const x0_part x0_files_part = { entries, sizeof(entries) / sizeof(entries[0]) };
