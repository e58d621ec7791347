/*
 * Socket addresses as plain JS objects:
 *   {family:"unix", path}            path "@name" = abstract namespace
 *   {family:"inet", host, port}      numeric IPv4 only (no resolver on a router)
 *   {family:"inet6", host, port}     numeric IPv6
 *   {family:"netlink", pid, groups}
 *   {family:"packet", ifindex, protocol, address}   AF_PACKET (SOCK_DGRAM): protocol is
 *       the ethertype in host order, address the peer's MAC "aa:bb:cc:dd:ee:ff" ("" on
 *       bind); received ones also carry pktType (PACKET_HOST, _BROADCAST, ...)
 */
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <linux/netlink.h>
#include <net/ethernet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/un.h>
#include "x0_native.h"

static int get_str_prop(JSContext *ctx, JSValueConst obj, const char *name, char *out, size_t cap)
{
    JSValue v = JS_GetPropertyStr(ctx, obj, name);
    size_t n;
    const char *s = JS_ToCStringLen(ctx, &n, v);
    JS_FreeValue(ctx, v);
    if (!s)
        return -1;
    if (n >= cap) {
        JS_FreeCString(ctx, s);
        JS_ThrowRangeError(ctx, "address %s too long (%zu bytes, at most %zu)", name, n, cap - 1);
        return -1;
    }
    memcpy(out, s, n + 1);
    JS_FreeCString(ctx, s);
    return (int)n;
}

static int get_u32_prop(JSContext *ctx, JSValueConst obj, const char *name, uint32_t *out)
{
    JSValue v = JS_GetPropertyStr(ctx, obj, name);
    int64_t x = 0;
    int r = JS_IsUndefined(v) ? 0 : JS_ToInt64Ext(ctx, &x, v);
    JS_FreeValue(ctx, v);
    if (r)
        return -1;
    if (x < 0 || x > 0xffffffffLL) {
        JS_ThrowRangeError(ctx, "address %s out of range", name);
        return -1;
    }
    *out = (uint32_t)x;
    return 0;
}

/* "aa:bb:cc:dd:ee:ff" (either case) into 6 bytes; "" leaves zero length. */
static int parse_mac(JSContext *ctx, const char *s, unsigned char *out, unsigned char *len)
{
    unsigned v[6];
    char tail;
    if (s[0] == '\0') {
        *len = 0;
        return 0;
    }
    if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6 || strlen(s) != 17) {
        JS_ThrowTypeError(ctx, "not a MAC address: '%s'", s);
        return -1;
    }
    for (int i = 0; i < 6; i++)
        out[i] = (unsigned char)v[i];
    *len = 6;
    return 0;
}

int x0_addr_from_js(JSContext *ctx, JSValueConst obj, struct sockaddr_storage *ss, socklen_t *len)
{
    char family[16], host[INET6_ADDRSTRLEN + 1];
    uint32_t port = 0;
    memset(ss, 0, sizeof(*ss));
    if (!JS_IsObject(obj)) {
        JS_ThrowTypeError(ctx, "socket address must be an object");
        return -1;
    }
    if (get_str_prop(ctx, obj, "family", family, sizeof(family)) < 0)
        return -1;
    if (!strcmp(family, "unix")) {
        struct sockaddr_un *sun = (struct sockaddr_un *)ss;
        char path[sizeof(sun->sun_path) + 1];
        int n = get_str_prop(ctx, obj, "path", path, sizeof(path));
        if (n < 0)
            return -1;
        if (n == 0 || (size_t)n > sizeof(sun->sun_path) - (path[0] == '@' ? 0 : 1)) {
            JS_ThrowRangeError(ctx, "unix socket path empty or too long: %s", path);
            return -1;
        }
        sun->sun_family = AF_UNIX;
        memcpy(sun->sun_path, path, (size_t)n);
        if (path[0] == '@') {
            sun->sun_path[0] = '\0';
            *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n);
        } else {
            *len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + (size_t)n + 1);
        }
        return 0;
    }
    if (!strcmp(family, "netlink")) {
        struct sockaddr_nl *snl = (struct sockaddr_nl *)ss;
        uint32_t pid = 0, groups = 0;
        if (get_u32_prop(ctx, obj, "pid", &pid) || get_u32_prop(ctx, obj, "groups", &groups))
            return -1;
        snl->nl_family = AF_NETLINK;
        snl->nl_pid = pid;
        snl->nl_groups = groups;
        *len = sizeof(*snl);
        return 0;
    }
    if (!strcmp(family, "packet")) {
        struct sockaddr_ll *sll = (struct sockaddr_ll *)ss;
        uint32_t ifindex = 0, protocol = 0;
        char mac[24];
        if (get_u32_prop(ctx, obj, "ifindex", &ifindex) || get_u32_prop(ctx, obj, "protocol", &protocol) ||
            get_str_prop(ctx, obj, "address", mac, sizeof(mac)) < 0)
            return -1;
        if (protocol > 0xffff || ifindex > 0x7fffffff) {
            JS_ThrowRangeError(ctx, "packet address: protocol or ifindex out of range");
            return -1;
        }
        sll->sll_family = AF_PACKET;
        sll->sll_ifindex = (int)ifindex;
        sll->sll_protocol = htons((uint16_t)protocol);
        if (parse_mac(ctx, mac, sll->sll_addr, &sll->sll_halen) < 0)
            return -1;
        *len = sizeof(*sll);
        return 0;
    }
    if (strcmp(family, "inet") && strcmp(family, "inet6")) {
        JS_ThrowTypeError(ctx, "unknown address family '%s'", family);
        return -1;
    }
    if (get_str_prop(ctx, obj, "host", host, sizeof(host)) < 0 ||
        get_u32_prop(ctx, obj, "port", &port))
        return -1;
    if (port > 65535) {
        JS_ThrowRangeError(ctx, "port %u out of range", port);
        return -1;
    }
    if (!strcmp(family, "inet")) {
        struct sockaddr_in *sin = (struct sockaddr_in *)ss;
        sin->sin_family = AF_INET;
        sin->sin_port = htons((uint16_t)port);
        if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
            JS_ThrowTypeError(ctx, "not a numeric IPv4 address: '%s'", host);
            return -1;
        }
        *len = sizeof(*sin);
    } else {
        struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
        sin6->sin6_family = AF_INET6;
        sin6->sin6_port = htons((uint16_t)port);
        if (inet_pton(AF_INET6, host, &sin6->sin6_addr) != 1) {
            JS_ThrowTypeError(ctx, "not a numeric IPv6 address: '%s'", host);
            return -1;
        }
        *len = sizeof(*sin6);
    }
    return 0;
}

JSValue x0_addr_to_js(JSContext *ctx, const struct sockaddr_storage *ss, socklen_t len)
{
    JSValue o;
    char buf[INET6_ADDRSTRLEN];
    if (len < (socklen_t)sizeof(sa_family_t))
        return JS_NULL;
    o = JS_NewObject(ctx);
    switch (ss->ss_family) {
    case AF_UNIX: {
        const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
        size_t n = len > offsetof(struct sockaddr_un, sun_path)
                       ? (size_t)len - offsetof(struct sockaddr_un, sun_path) : 0;
        char path[sizeof(sun->sun_path) + 2];
        if (n > sizeof(sun->sun_path))
            n = sizeof(sun->sun_path);
        if (n > 0 && sun->sun_path[0] == '\0') {
            path[0] = '@';
            memcpy(path + 1, sun->sun_path + 1, n - 1);
            path[n] = '\0';
        } else {
            memcpy(path, sun->sun_path, n);
            path[n] = '\0';
        }
        JS_SetPropertyStr(ctx, o, "family", JS_NewString(ctx, "unix"));
        JS_SetPropertyStr(ctx, o, "path", JS_NewString(ctx, path));
        break;
    }
    case AF_INET: {
        const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
        inet_ntop(AF_INET, &sin->sin_addr, buf, sizeof(buf));
        JS_SetPropertyStr(ctx, o, "family", JS_NewString(ctx, "inet"));
        JS_SetPropertyStr(ctx, o, "host", JS_NewString(ctx, buf));
        JS_SetPropertyStr(ctx, o, "port", JS_NewInt32(ctx, ntohs(sin->sin_port)));
        break;
    }
    case AF_INET6: {
        const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
        inet_ntop(AF_INET6, &sin6->sin6_addr, buf, sizeof(buf));
        JS_SetPropertyStr(ctx, o, "family", JS_NewString(ctx, "inet6"));
        JS_SetPropertyStr(ctx, o, "host", JS_NewString(ctx, buf));
        JS_SetPropertyStr(ctx, o, "port", JS_NewInt32(ctx, ntohs(sin6->sin6_port)));
        break;
    }
    case AF_NETLINK: {
        const struct sockaddr_nl *snl = (const struct sockaddr_nl *)ss;
        JS_SetPropertyStr(ctx, o, "family", JS_NewString(ctx, "netlink"));
        JS_SetPropertyStr(ctx, o, "pid", JS_NewUint32(ctx, snl->nl_pid));
        JS_SetPropertyStr(ctx, o, "groups", JS_NewUint32(ctx, snl->nl_groups));
        break;
    }
    case AF_PACKET: {
        const struct sockaddr_ll *sll = (const struct sockaddr_ll *)ss;
        char mac[18] = "";
        if (sll->sll_halen == 6)
            snprintf(mac, sizeof(mac), "%02x:%02x:%02x:%02x:%02x:%02x", sll->sll_addr[0], sll->sll_addr[1],
                     sll->sll_addr[2], sll->sll_addr[3], sll->sll_addr[4], sll->sll_addr[5]);
        JS_SetPropertyStr(ctx, o, "family", JS_NewString(ctx, "packet"));
        JS_SetPropertyStr(ctx, o, "ifindex", JS_NewInt32(ctx, sll->sll_ifindex));
        JS_SetPropertyStr(ctx, o, "protocol", JS_NewInt32(ctx, ntohs(sll->sll_protocol)));
        JS_SetPropertyStr(ctx, o, "address", JS_NewString(ctx, mac));
        JS_SetPropertyStr(ctx, o, "pktType", JS_NewInt32(ctx, sll->sll_pkttype));
        break;
    }
    default:
        JS_FreeValue(ctx, o);
        return JS_NULL;
    }
    return o;
}
