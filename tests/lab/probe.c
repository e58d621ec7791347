/*
 * x0tta6bl4 mesh lab: batman-adv sampler (runs inside the lab VM).
 *
 * One process samples every network namespace of the lab: for each namespace it
 * opens (while joined to it) a generic-netlink socket and an AF_INET socket, which
 * stay bound to that namespace, then dumps BATADV_CMD_GET_ORIGINATORS (best entries
 * only), BATADV_CMD_GET_NEIGHBORS and BATADV_CMD_GET_GATEWAYS every interval.
 * This is what `batctl meshif bat0 o -H` / `n -H` / `gwl -H` read, without
 * spawning three processes per node per sample.
 *
 * usage: probe INTERVAL_MS NAME=NETNS_PATH...
 * output (stdout, one JSON object per namespace per tick):
 *   {"t":MONO_MS,"tick":K,"ns":"NAME","o":[[orig,router,ifname,metric,last_seen_ms]...],
 *    "n":[[neigh,ifname,last_seen_ms]...],"g":[[orig,router,best,down,up]...]}
 *   metric is TQ (0..255) on BATMAN_IV, throughput (kbit/s) on BATMAN_V.
 *   On an error for one namespace: {"t":..,"tick":K,"ns":"NAME","err":"..."}.
 * t is CLOCK_MONOTONIC in milliseconds, the clock the rest of the lab uses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/batman_adv.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define BUFSZ (64 * 1024)

struct ns {
	const char *name;
	int nl;    /* NETLINK_GENERIC socket bound to the namespace */
	int inet;  /* AF_INET socket used for ifindex <-> name in the namespace */
	int family;
	uint32_t seq;
};

static volatile sig_atomic_t stop;
static void on_signal(int s) { (void)s; stop = 1; }

static double mono_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static char *out;      /* output buffer for one line */
static size_t out_len, out_cap;

static void put(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void put(const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		va_start(ap, fmt);
		int n = vsnprintf(out + out_len, out_cap - out_len, fmt, ap);
		va_end(ap);
		if (n >= 0 && (size_t)n < out_cap - out_len) { out_len += (size_t)n; return; }
		out_cap *= 2;
		out = realloc(out, out_cap);
		if (!out) { perror("realloc"); exit(2); }
	}
}

static void put_mac(const uint8_t *m)
{
	put("\"%02x:%02x:%02x:%02x:%02x:%02x\"", m[0], m[1], m[2], m[3], m[4], m[5]);
}

static void put_ifname(struct ns *ns, uint32_t idx)
{
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_ifindex = (int)idx;
	if (ioctl(ns->inet, SIOCGIFNAME, &ifr) == 0) put("\"%s\"", ifr.ifr_name);
	else put("\"#%u\"", idx);
}

struct attrs { struct nlattr *a[BATADV_ATTR_MAX + 1]; };

static void parse_attrs(struct attrs *at, void *data, int len)
{
	memset(at, 0, sizeof *at);
	struct nlattr *na = data;
	while (len >= (int)sizeof *na && na->nla_len >= sizeof *na && na->nla_len <= len) {
		int type = na->nla_type & NLA_TYPE_MASK;
		if (type <= BATADV_ATTR_MAX) at->a[type] = na;
		int step = NLA_ALIGN(na->nla_len);
		len -= step;
		na = (struct nlattr *)((char *)na + step);
	}
}

static void *adata(struct nlattr *na) { return (char *)na + NLA_HDRLEN; }
static uint32_t au32(struct nlattr *na) { uint32_t v; memcpy(&v, adata(na), 4); return v; }
static uint8_t au8(struct nlattr *na) { return *(uint8_t *)adata(na); }

static int add_attr(char *buf, int off, int type, const void *data, int len)
{
	struct nlattr *na = (struct nlattr *)(buf + off);
	na->nla_type = (uint16_t)type;
	na->nla_len = (uint16_t)(NLA_HDRLEN + len);
	memcpy(buf + off + NLA_HDRLEN, data, (size_t)len);
	return off + NLA_ALIGN(na->nla_len);
}

static int send_genl(struct ns *ns, int family, int cmd, int flags, int mesh_ifindex, const char *famname)
{
	char buf[256];
	memset(buf, 0, sizeof buf);
	struct nlmsghdr *nh = (struct nlmsghdr *)buf;
	struct genlmsghdr *gh = (struct genlmsghdr *)(buf + NLMSG_HDRLEN);
	nh->nlmsg_type = (uint16_t)family;
	nh->nlmsg_flags = (uint16_t)(NLM_F_REQUEST | flags);
	nh->nlmsg_seq = ++ns->seq;
	gh->cmd = (uint8_t)cmd;
	gh->version = 1;
	int off = NLMSG_HDRLEN + GENL_HDRLEN;
	if (famname) off = add_attr(buf, off, CTRL_ATTR_FAMILY_NAME, famname, (int)strlen(famname) + 1);
	if (mesh_ifindex > 0) {
		uint32_t v = (uint32_t)mesh_ifindex;
		off = add_attr(buf, off, BATADV_ATTR_MESH_IFINDEX, &v, 4);
	}
	nh->nlmsg_len = (uint32_t)off;
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	return sendto(ns->nl, buf, (size_t)off, 0, (struct sockaddr *)&sa, sizeof sa) < 0 ? -1 : 0;
}

typedef void (*entry_cb)(struct ns *ns, struct attrs *at, int *first);

/* Receive the answer to the last request; calls cb for each message. Returns 0 or -errno. */
static int recv_all(struct ns *ns, entry_cb cb, int *first, int *family_out)
{
	static char buf[BUFSZ];
	for (;;) {
		ssize_t n = recv(ns->nl, buf, sizeof buf, 0);
		if (n < 0) {
			if (errno == EINTR) continue;
			return -errno;
		}
		for (struct nlmsghdr *nh = (struct nlmsghdr *)buf; NLMSG_OK(nh, (size_t)n); nh = NLMSG_NEXT(nh, n)) {
			if (nh->nlmsg_seq != ns->seq) continue;
			if (nh->nlmsg_type == NLMSG_DONE) return 0;
			if (nh->nlmsg_type == NLMSG_ERROR) {
				struct nlmsgerr *e = NLMSG_DATA(nh);
				return e->error;
			}
			int len = (int)nh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
			void *data = (char *)NLMSG_DATA(nh) + GENL_HDRLEN;
			if (family_out) {
				struct nlattr *na = data;
				while (len >= (int)sizeof *na && na->nla_len >= sizeof *na) {
					if ((na->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
						*family_out = *(uint16_t *)adata(na);
					len -= NLA_ALIGN(na->nla_len);
					na = (struct nlattr *)((char *)na + NLA_ALIGN(na->nla_len));
				}
				if (!(nh->nlmsg_flags & NLM_F_MULTI)) return 0;
				continue;
			}
			struct attrs at;
			parse_attrs(&at, data, len);
			cb(ns, &at, first);
			if (!(nh->nlmsg_flags & NLM_F_MULTI)) return 0;
		}
	}
}

static void orig_cb(struct ns *ns, struct attrs *at, int *first)
{
	struct nlattr **a = at->a;
	if (!a[BATADV_ATTR_ORIG_ADDRESS] || !a[BATADV_ATTR_NEIGH_ADDRESS] || !a[BATADV_ATTR_FLAG_BEST]) return;
	put("%s[", *first ? "" : ",");
	*first = 0;
	put_mac(adata(a[BATADV_ATTR_ORIG_ADDRESS]));
	put(",");
	put_mac(adata(a[BATADV_ATTR_NEIGH_ADDRESS]));
	put(",");
	if (a[BATADV_ATTR_HARD_IFINDEX]) put_ifname(ns, au32(a[BATADV_ATTR_HARD_IFINDEX]));
	else put("null");
	if (a[BATADV_ATTR_TQ]) put(",%u", au8(a[BATADV_ATTR_TQ]));
	else if (a[BATADV_ATTR_THROUGHPUT]) put(",%u", au32(a[BATADV_ATTR_THROUGHPUT]));
	else put(",null");
	put(",%u]", a[BATADV_ATTR_LAST_SEEN_MSECS] ? au32(a[BATADV_ATTR_LAST_SEEN_MSECS]) : 0);
}

static void neigh_cb(struct ns *ns, struct attrs *at, int *first)
{
	struct nlattr **a = at->a;
	if (!a[BATADV_ATTR_NEIGH_ADDRESS]) return;
	put("%s[", *first ? "" : ",");
	*first = 0;
	put_mac(adata(a[BATADV_ATTR_NEIGH_ADDRESS]));
	put(",");
	if (a[BATADV_ATTR_HARD_IFINDEX]) put_ifname(ns, au32(a[BATADV_ATTR_HARD_IFINDEX]));
	else put("null");
	put(",%u]", a[BATADV_ATTR_LAST_SEEN_MSECS] ? au32(a[BATADV_ATTR_LAST_SEEN_MSECS]) : 0);
}

static void gw_cb(struct ns *ns, struct attrs *at, int *first)
{
	(void)ns;
	struct nlattr **a = at->a;
	if (!a[BATADV_ATTR_ORIG_ADDRESS]) return;
	put("%s[", *first ? "" : ",");
	*first = 0;
	put_mac(adata(a[BATADV_ATTR_ORIG_ADDRESS]));
	put(",");
	if (a[BATADV_ATTR_ROUTER]) put_mac(adata(a[BATADV_ATTR_ROUTER]));
	else put("null");
	put(",%d", a[BATADV_ATTR_FLAG_BEST] ? 1 : 0);
	put(",%u", a[BATADV_ATTR_BANDWIDTH_DOWN] ? au32(a[BATADV_ATTR_BANDWIDTH_DOWN]) : 0);
	put(",%u]", a[BATADV_ATTR_BANDWIDTH_UP] ? au32(a[BATADV_ATTR_BANDWIDTH_UP]) : 0);
}

static int dump(struct ns *ns, int cmd, int ifindex, entry_cb cb)
{
	int first = 1;
	if (send_genl(ns, ns->family, cmd, NLM_F_DUMP, ifindex, NULL) < 0) return -errno;
	return recv_all(ns, cb, &first, NULL);
}

static int open_ns(struct ns *ns, const char *path, int home)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) { fprintf(stderr, "probe: open %s: %s\n", path, strerror(errno)); return -1; }
	if (setns(fd, CLONE_NEWNET) < 0) { fprintf(stderr, "probe: setns %s: %s\n", path, strerror(errno)); close(fd); return -1; }
	close(fd);
	ns->nl = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
	ns->inet = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (setns(home, CLONE_NEWNET) < 0) { perror("probe: setns home"); exit(2); }
	if (ns->nl < 0 || ns->inet < 0) { perror("probe: socket"); return -1; }
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	if (bind(ns->nl, (struct sockaddr *)&sa, sizeof sa) < 0) { perror("probe: bind"); return -1; }
	int rcv = 1 << 20;
	setsockopt(ns->nl, SOL_SOCKET, SO_RCVBUF, &rcv, sizeof rcv);
	struct timeval tv = { .tv_sec = 2 };
	setsockopt(ns->nl, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	if (send_genl(ns, GENL_ID_CTRL, CTRL_CMD_GETFAMILY, NLM_F_ACK, 0, BATADV_NL_NAME) < 0) return -1;
	int fam = 0;
	int r = recv_all(ns, NULL, NULL, &fam);
	if (r < 0 || fam == 0) { fprintf(stderr, "probe: no batadv genl family (%d)\n", r); return -1; }
	ns->family = fam;
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 3) { fprintf(stderr, "usage: probe INTERVAL_MS NAME=NETNS_PATH...\n"); return 2; }
	int interval = atoi(argv[1]);
	if (interval < 50) interval = 50;
	int n = argc - 2;
	struct ns *nss = calloc((size_t)n, sizeof *nss);
	out_cap = 1 << 16;
	out = malloc(out_cap);
	if (!nss || !out) return 2;
	int home = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (home < 0) { perror("probe: /proc/self/ns/net"); return 2; }
	for (int i = 0; i < n; i++) {
		char *eq = strchr(argv[i + 2], '=');
		if (!eq) { fprintf(stderr, "probe: bad argument %s\n", argv[i + 2]); return 2; }
		*eq = 0;
		nss[i].name = argv[i + 2];
		if (open_ns(&nss[i], eq + 1, home) < 0) return 1;
	}
	signal(SIGTERM, on_signal);
	signal(SIGINT, on_signal);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOFBF, 1 << 20);
	double next = mono_ms();
	for (unsigned long tick = 0; !stop; tick++) {
		for (int i = 0; i < n && !stop; i++) {
			struct ns *ns = &nss[i];
			struct ifreq ifr;
			memset(&ifr, 0, sizeof ifr);
			strcpy(ifr.ifr_name, "bat0");
			out_len = 0;
			put("{\"t\":%.3f,\"tick\":%lu,\"ns\":\"%s\"", mono_ms(), tick, ns->name);
			if (ioctl(ns->inet, SIOCGIFINDEX, &ifr) < 0) {
				put(",\"err\":\"no bat0\"}\n");
			} else {
				int idx = ifr.ifr_ifindex, r;
				size_t mark;
				put(",\"o\":[");
				mark = out_len;
				if ((r = dump(ns, BATADV_CMD_GET_ORIGINATORS, idx, orig_cb)) < 0) goto fail;
				put("],\"n\":[");
				if ((r = dump(ns, BATADV_CMD_GET_NEIGHBORS, idx, neigh_cb)) < 0) goto fail;
				put("],\"g\":[");
				if ((r = dump(ns, BATADV_CMD_GET_GATEWAYS, idx, gw_cb)) < 0) goto fail;
				put("]}\n");
				goto done;
			fail:
				out_len = mark - strlen(",\"o\":[");
				put(",\"err\":\"netlink: %s\"}\n", strerror(-r));
			done:;
			}
			fwrite(out, 1, out_len, stdout);
		}
		if (fflush(stdout) != 0) break;
		next += interval;
		double now = mono_ms();
		if (next < now) next = now; /* fell behind: do not try to catch up */
		double wait = next - now;
		struct timespec ts = { .tv_sec = (time_t)(wait / 1e3), .tv_nsec = (long)((wait - (long)(wait / 1e3) * 1e3) * 1e6) };
		while (!stop && nanosleep(&ts, &ts) < 0 && errno == EINTR) {}
	}
	return 0;
}
