/*
 * Non-blocking sockets for the host layer: AF_UNIX (stream, datagram), AF_INET/6
 * (TCP, UDP), AF_NETLINK (raw) and AF_PACKET (datagram: frames of one ethertype on one
 * interface, for the link probes). Every socket is created O_NONBLOCK|O_CLOEXEC;
 * readiness comes from quickjs-libc's loop through os.setReadHandler/setWriteHandler.
 *
 * Would-block is not an error: recv/send/accept return null on EAGAIN and connect
 * returns false on EINPROGRESS. Everything else throws a HostError-shaped Error.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include "x0_native.h"

#define MAX_FDS 16 /* SCM_RIGHTS descriptors per message we accept or send */

static int arg_fd(JSContext *ctx, JSValueConst v, int *fd)
{
    int32_t x;
    if (JS_ToInt32(ctx, &x, v))
        return -1;
    if (x < 0) {
        JS_ThrowRangeError(ctx, "bad file descriptor %d", x);
        return -1;
    }
    *fd = x;
    return 0;
}

static int arg_int(JSContext *ctx, int argc, JSValueConst *argv, int i, int32_t dflt, int32_t *out)
{
    if (i >= argc || JS_IsUndefined(argv[i])) {
        *out = dflt;
        return 0;
    }
    return JS_ToInt32(ctx, out, argv[i]);
}

static int would_block(int err)
{
    return err == EAGAIN || err == EWOULDBLOCK;
}

/* Retry a call interrupted by a signal (the JS loop handles signals itself). */
#define RETRY_EINTR(var, call) do (var) = (call); while ((var) < 0 && errno == EINTR)

/* A transfer's result: bytes as a number, would-block as null, other errors thrown. */
static JSValue transfer_result(JSContext *ctx, ssize_t r, const char *op)
{
    if (r >= 0)
        return JS_NewInt64(ctx, r);
    if (would_block(errno))
        return JS_NULL;
    return x0_throw_errno(ctx, op, errno);
}

/* socket(domain, type, protocol) -> fd */
static JSValue js_socket(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t domain, type, proto;
    (void)this_val;
    if (arg_int(ctx, argc, argv, 0, 0, &domain) || arg_int(ctx, argc, argv, 1, 0, &type) ||
        arg_int(ctx, argc, argv, 2, 0, &proto))
        return JS_EXCEPTION;
    int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, proto);
    if (fd < 0)
        return x0_throw_errno(ctx, "socket", errno);
    return JS_NewInt32(ctx, fd);
}

/* socketpair(domain, type) -> [fd, fd] */
static JSValue js_socketpair(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int32_t domain, type;
    int sv[2];
    (void)this_val;
    if (arg_int(ctx, argc, argv, 0, AF_UNIX, &domain) || arg_int(ctx, argc, argv, 1, SOCK_STREAM, &type))
        return JS_EXCEPTION;
    if (socketpair(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0)
        return x0_throw_errno(ctx, "socketpair", errno);
    JSValue a = JS_NewArray(ctx);
    JS_SetPropertyUint32(ctx, a, 0, JS_NewInt32(ctx, sv[0]));
    JS_SetPropertyUint32(ctx, a, 1, JS_NewInt32(ctx, sv[1]));
    return a;
}

static const char *addr_subject(const struct sockaddr_storage *ss, char *buf, size_t cap)
{
    if (ss->ss_family == AF_UNIX) {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
        snprintf(buf, cap, "%s%s", sun->sun_path[0] ? "" : "@",
                 sun->sun_path[0] ? sun->sun_path : sun->sun_path + 1);
        return buf;
    }
    buf[0] = '\0';
    return buf;
}

/* bind(fd, addr) */
static JSValue js_bind(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    struct sockaddr_storage ss;
    socklen_t len;
    char subj[128];
    (void)this_val; (void)argc;
    if (arg_fd(ctx, argv[0], &fd) || x0_addr_from_js(ctx, argv[1], &ss, &len))
        return JS_EXCEPTION;
    if (bind(fd, (struct sockaddr *)&ss, len) < 0)
        return x0_throw_errno_subject(ctx, "bind", addr_subject(&ss, subj, sizeof(subj)), errno);
    return JS_UNDEFINED;
}

/* connect(fd, addr) -> true (connected) | false (in progress: wait for writable) */
static JSValue js_connect(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    struct sockaddr_storage ss;
    socklen_t len;
    char subj[128];
    (void)this_val; (void)argc;
    if (arg_fd(ctx, argv[0], &fd) || x0_addr_from_js(ctx, argv[1], &ss, &len))
        return JS_EXCEPTION;
    for (;;) {
        if (connect(fd, (struct sockaddr *)&ss, len) == 0)
            return JS_TRUE;
        if (errno == EINTR)
            continue;
        if (errno == EINPROGRESS)
            return JS_FALSE;
        return x0_throw_errno_subject(ctx, "connect", addr_subject(&ss, subj, sizeof(subj)), errno);
    }
}

/* listen(fd, backlog) */
static JSValue js_listen(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    int32_t backlog;
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || arg_int(ctx, argc, argv, 1, 64, &backlog))
        return JS_EXCEPTION;
    if (listen(fd, backlog) < 0)
        return x0_throw_errno(ctx, "listen", errno);
    return JS_UNDEFINED;
}

/* accept(fd) -> {fd, addr} | null when no connection is pending */
static JSValue js_accept(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, c;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    (void)this_val; (void)argc;
    if (arg_fd(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    RETRY_EINTR(c, accept4(fd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC));
    if (c < 0) {
        /* A client that went away before we accepted it is not the server's error. */
        if (would_block(errno) || errno == ECONNABORTED)
            return JS_NULL;
        return x0_throw_errno(ctx, "accept", errno);
    }
    JSValue o = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, o, "fd", JS_NewInt32(ctx, c));
    JS_SetPropertyStr(ctx, o, "addr", x0_addr_to_js(ctx, &ss, len));
    return o;
}

/* send(fd, bytes, offset?, length?, flags?) -> bytes sent | null (would block) */
static JSValue js_send(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    uint8_t *p;
    size_t n;
    int32_t flags;
    ssize_t r;
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || x0_get_byte_range(ctx, argc, argv, 1, &p, &n) ||
        arg_int(ctx, argc, argv, 4, 0, &flags))
        return JS_EXCEPTION;
    RETRY_EINTR(r, send(fd, p, n, flags | MSG_NOSIGNAL));
    return transfer_result(ctx, r, "send");
}

/* recv(fd, buffer, offset?, length?, flags?) -> bytes read (0 = EOF) | null (would block) */
static JSValue js_recv(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    uint8_t *p;
    size_t n;
    int32_t flags;
    ssize_t r;
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || x0_get_byte_range(ctx, argc, argv, 1, &p, &n) ||
        arg_int(ctx, argc, argv, 4, 0, &flags))
        return JS_EXCEPTION;
    RETRY_EINTR(r, recv(fd, p, n, flags));
    return transfer_result(ctx, r, "recv");
}

/*
 * sendmsg(fd, bytes, {addr?, fds?}) -> bytes sent | null (would block).
 * `fds` go as SCM_RIGHTS ancillary data (ubus passes descriptors this way).
 */
static JSValue js_sendmsg(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    uint8_t *p;
    size_t n;
    struct sockaddr_storage ss;
    socklen_t alen = 0;
    int fds[MAX_FDS];
    uint32_t nfds = 0;
    union { char buf[CMSG_SPACE(sizeof(int) * MAX_FDS)]; struct cmsghdr align; } cbuf;
    struct iovec iov;
    struct msghdr msg;
    ssize_t r;
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || x0_get_bytes(ctx, argv[1], &p, &n))
        return JS_EXCEPTION;
    if (argc > 2 && JS_IsObject(argv[2])) {
        JSValue a = JS_GetPropertyStr(ctx, argv[2], "addr");
        int bad = !JS_IsUndefined(a) && !JS_IsNull(a) && x0_addr_from_js(ctx, a, &ss, &alen);
        JS_FreeValue(ctx, a);
        if (bad)
            return JS_EXCEPTION;
        JSValue f = JS_GetPropertyStr(ctx, argv[2], "fds");
        if (JS_IsArray(f)) {
            int64_t len64 = 0;
            JS_GetLength(ctx, f, &len64);
            if (len64 > MAX_FDS) {
                JS_FreeValue(ctx, f);
                return JS_ThrowRangeError(ctx, "at most %d descriptors per message", MAX_FDS);
            }
            for (nfds = 0; nfds < (uint32_t)len64; nfds++) {
                JSValue e = JS_GetPropertyUint32(ctx, f, nfds);
                int bad2 = arg_fd(ctx, e, &fds[nfds]);
                JS_FreeValue(ctx, e);
                if (bad2) {
                    JS_FreeValue(ctx, f);
                    return JS_EXCEPTION;
                }
            }
        }
        JS_FreeValue(ctx, f);
    }
    iov.iov_base = p;
    iov.iov_len = n;
    memset(&msg, 0, sizeof(msg));
    msg.msg_name = alen ? &ss : NULL;
    msg.msg_namelen = alen;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    if (nfds) {
        struct cmsghdr *c;
        memset(&cbuf, 0, sizeof(cbuf));
        msg.msg_control = cbuf.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * nfds);
        c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * nfds);
    }
    RETRY_EINTR(r, sendmsg(fd, &msg, MSG_NOSIGNAL));
    return transfer_result(ctx, r, "sendmsg");
}

/*
 * recvmsg(fd, buffer, offset?, length?) -> {bytes, addr, fds, truncated} | null.
 * `truncated` (MSG_TRUNC) means the datagram was larger than the buffer: netlink
 * callers grow their buffer and resync instead of decoding a cut message.
 */
static JSValue js_recvmsg(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    uint8_t *p;
    size_t n;
    struct sockaddr_storage ss;
    union { char buf[CMSG_SPACE(sizeof(int) * MAX_FDS) + CMSG_SPACE(sizeof(struct timespec))]; struct cmsghdr align; } cbuf;
    struct iovec iov;
    struct msghdr msg;
    ssize_t r;
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || x0_get_byte_range(ctx, argc, argv, 1, &p, &n))
        return JS_EXCEPTION;
    iov.iov_base = p;
    iov.iov_len = n;
    memset(&msg, 0, sizeof(msg));
    memset(&ss, 0, sizeof(ss));
    msg.msg_name = &ss;
    msg.msg_namelen = sizeof(ss);
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = cbuf.buf;
    msg.msg_controllen = sizeof(cbuf.buf);
    RETRY_EINTR(r, recvmsg(fd, &msg, MSG_CMSG_CLOEXEC));
    /* Only AF_UNIX passes descriptors; AF_PACKET rejects the flag (EINVAL) outright. */
    if (r < 0 && errno == EINVAL)
        RETRY_EINTR(r, recvmsg(fd, &msg, 0));
    if (r < 0)
        return transfer_result(ctx, r, "recvmsg");
    JSValue o = JS_NewObject(ctx);
    JSValue fdarr = JS_NewArray(ctx);
    uint32_t k = 0;
    double stamp_ms = -1;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS && c->cmsg_len >= CMSG_LEN(sizeof(struct timespec))) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(c), sizeof(ts));
            stamp_ms = (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
            continue;
        }
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t cnt = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < cnt; i++) {
            int rfd;
            memcpy(&rfd, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
            JS_SetPropertyUint32(ctx, fdarr, k++, JS_NewInt32(ctx, rfd));
        }
    }
    JS_SetPropertyStr(ctx, o, "bytes", JS_NewInt64(ctx, r));
    JS_SetPropertyStr(ctx, o, "addr", x0_addr_to_js(ctx, &ss, msg.msg_namelen));
    JS_SetPropertyStr(ctx, o, "fds", fdarr);
    JS_SetPropertyStr(ctx, o, "truncated", JS_NewBool(ctx, (msg.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) != 0));
    /* SO_TIMESTAMPNS: when the kernel received it (wall clock, ms), for late readers. */
    if (stamp_ms >= 0)
        JS_SetPropertyStr(ctx, o, "stampMs", JS_NewFloat64(ctx, stamp_ms));
    return o;
}

/* setsockopt(fd, level, name, int) */
static JSValue js_setsockopt(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    int32_t level, name, val;
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || arg_int(ctx, argc, argv, 1, 0, &level) ||
        arg_int(ctx, argc, argv, 2, 0, &name) || arg_int(ctx, argc, argv, 3, 0, &val))
        return JS_EXCEPTION;
    int v = val;
    if (setsockopt(fd, level, name, &v, sizeof(v)) < 0)
        return x0_throw_errno(ctx, "setsockopt", errno);
    return JS_UNDEFINED;
}

/* getsockopt(fd, level, name) -> int */
static JSValue js_getsockopt(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    int32_t level, name;
    int v = 0;
    socklen_t len = sizeof(v);
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || arg_int(ctx, argc, argv, 1, 0, &level) ||
        arg_int(ctx, argc, argv, 2, 0, &name))
        return JS_EXCEPTION;
    if (getsockopt(fd, level, name, &v, &len) < 0)
        return x0_throw_errno(ctx, "getsockopt", errno);
    return JS_NewInt32(ctx, v);
}

static JSValue sockname(JSContext *ctx, JSValueConst *argv, int peer)
{
    int fd;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    if (arg_fd(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    memset(&ss, 0, sizeof(ss));
    if ((peer ? getpeername(fd, (struct sockaddr *)&ss, &len)
              : getsockname(fd, (struct sockaddr *)&ss, &len)) < 0)
        return x0_throw_errno(ctx, peer ? "getpeername" : "getsockname", errno);
    return x0_addr_to_js(ctx, &ss, len);
}

static JSValue js_getsockname(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    return sockname(ctx, argv, 0);
}

static JSValue js_getpeername(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    return sockname(ctx, argv, 1);
}

/* socketError(fd) -> errno of a finished non-blocking connect (0 = connected) */
static JSValue js_socket_error(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd, v = 0;
    socklen_t len = sizeof(v);
    (void)this_val; (void)argc;
    if (arg_fd(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &v, &len) < 0)
        return x0_throw_errno(ctx, "getsockopt", errno);
    return JS_NewInt32(ctx, v);
}

/* shutdown(fd, how) */
static JSValue js_shutdown(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    int32_t how;
    (void)this_val;
    if (arg_fd(ctx, argv[0], &fd) || arg_int(ctx, argc, argv, 1, SHUT_WR, &how))
        return JS_EXCEPTION;
    if (shutdown(fd, how) < 0 && errno != ENOTCONN)
        return x0_throw_errno(ctx, "shutdown", errno);
    return JS_UNDEFINED;
}

/* close(fd): EINTR is not retried (Linux has closed the descriptor already). */
static JSValue js_close(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    int fd;
    (void)this_val; (void)argc;
    if (arg_fd(ctx, argv[0], &fd))
        return JS_EXCEPTION;
    if (close(fd) < 0 && errno != EINTR)
        return x0_throw_errno(ctx, "close", errno);
    return JS_UNDEFINED;
}

#ifndef NETLINK_EXT_ACK
#define NETLINK_EXT_ACK 11
#endif
#ifndef NETLINK_GET_STRICT_CHK
#define NETLINK_GET_STRICT_CHK 12
#endif
#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

#define C(n) JS_PROP_INT32_DEF(#n, n, JS_PROP_CONFIGURABLE)
static const JSCFunctionListEntry entries[] = {
    JS_CFUNC_DEF("socket", 3, js_socket),
    JS_CFUNC_DEF("socketpair", 2, js_socketpair),
    JS_CFUNC_DEF("bind", 2, js_bind),
    JS_CFUNC_DEF("connect", 2, js_connect),
    JS_CFUNC_DEF("listen", 2, js_listen),
    JS_CFUNC_DEF("accept", 1, js_accept),
    JS_CFUNC_DEF("send", 5, js_send),
    JS_CFUNC_DEF("recv", 5, js_recv),
    JS_CFUNC_DEF("sendmsg", 3, js_sendmsg),
    JS_CFUNC_DEF("recvmsg", 4, js_recvmsg),
    JS_CFUNC_DEF("setsockopt", 4, js_setsockopt),
    JS_CFUNC_DEF("getsockopt", 3, js_getsockopt),
    JS_CFUNC_DEF("getsockname", 1, js_getsockname),
    JS_CFUNC_DEF("getpeername", 1, js_getpeername),
    JS_CFUNC_DEF("socketError", 1, js_socket_error),
    JS_CFUNC_DEF("shutdown", 2, js_shutdown),
    JS_CFUNC_DEF("close", 1, js_close),
    C(AF_UNIX), C(AF_INET), C(AF_INET6), C(AF_NETLINK), C(AF_PACKET),
    C(PACKET_HOST), C(PACKET_BROADCAST), C(PACKET_MULTICAST), C(PACKET_OTHERHOST), C(PACKET_OUTGOING),
    C(SOCK_STREAM), C(SOCK_DGRAM), C(SOCK_RAW), C(SOCK_SEQPACKET),
    C(SOL_SOCKET), C(SO_RCVBUF), C(SO_SNDBUF), C(SO_RCVBUFFORCE), C(SO_REUSEADDR),
    C(SO_KEEPALIVE), C(SO_ERROR), C(SO_PASSCRED), C(SO_TIMESTAMPNS),
    C(IPPROTO_TCP), C(IPPROTO_UDP), C(IPPROTO_IPV6), C(TCP_NODELAY), C(IPV6_V6ONLY),
    C(SHUT_RD), C(SHUT_WR), C(SHUT_RDWR),
    C(MSG_PEEK), C(MSG_TRUNC), C(MSG_DONTWAIT),
    C(SOL_NETLINK), C(NETLINK_ROUTE), C(NETLINK_GENERIC), C(NETLINK_KOBJECT_UEVENT),
    C(NETLINK_ADD_MEMBERSHIP), C(NETLINK_DROP_MEMBERSHIP), C(NETLINK_EXT_ACK),
    C(NETLINK_CAP_ACK), C(NETLINK_GET_STRICT_CHK), C(NETLINK_NO_ENOBUFS),
};
const x0_part x0_socket_part = { entries, sizeof(entries) / sizeof(entries[0]) };
