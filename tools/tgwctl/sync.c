// SPDX-License-Identifier: GPL-2.0
/*
 * tgwctl - "sync": start, stop, show, stats (connection sync between
 * gateways). Arguments are all parsed before anything is sent.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "tgwctl.h"

#define TGW_SYNC_BULK_RATE_MAX	1000000
#define TGW_SYNC_KEYFILE_MAX	1024	/* bytes read from a key file */

struct tgw_sync_args {
	uint32_t syncid, addr, group, ifindex, refresh, bulk_rate;
	uint32_t peers[TGW_SYNC_PEERS_MAX];
	unsigned int npeers, keylen;
	uint16_t port;		/* network order, 0: kernel default */
	uint8_t key[TGW_SYNC_KEY_MAX];
	unsigned int seen;	/* TGW_SYNC_ARG_* given */
};

enum {
	TGW_SYNC_ARG_SYNCID = 1 << 0,
	TGW_SYNC_ARG_ADDR = 1 << 1,
	TGW_SYNC_ARG_PORT = 1 << 2,
	TGW_SYNC_ARG_GROUP = 1 << 3,
	TGW_SYNC_ARG_DEV = 1 << 4,
	TGW_SYNC_ARG_KEY = 1 << 5,
	TGW_SYNC_ARG_REFRESH = 1 << 6,
	TGW_SYNC_ARG_BULK_RATE = 1 << 7,
};

static const char *const tgw_sync_bulk_names[__TGW_SYNC_BULK_MAX] = {
	[TGW_SYNC_BULK_NONE] = "none",
	[TGW_SYNC_BULK_REQUESTED] = "requested",
	[TGW_SYNC_BULK_DONE] = "done",
};

/* Counters in print order, one text line per group (0 ends a line). */
static const struct {
	unsigned int type;
	const char *name;
} tgw_sync_stat_names[] = {
	{ TGW_A_SYNC_STATS_TX_DGRAMS, "tx_dgrams" },
	{ TGW_A_SYNC_STATS_TX_BYTES, "tx_bytes" },
	{ TGW_A_SYNC_STATS_TX_CONNS, "tx_conns" },
	{ TGW_A_SYNC_STATS_TX_ERRORS, "tx_errors" },
	{ TGW_A_SYNC_STATS_OVERFLOW, "overflow" },
	{ TGW_A_SYNC_STATS_REFRESHES, "refreshes" },
	{ 0, NULL },
	{ TGW_A_SYNC_STATS_RX_DGRAMS, "rx_dgrams" },
	{ TGW_A_SYNC_STATS_RX_CONNS, "rx_conns" },
	{ TGW_A_SYNC_STATS_INSTALLED, "installed" },
	{ TGW_A_SYNC_STATS_UPDATED, "updated" },
	{ TGW_A_SYNC_STATS_REMOVED, "removed" },
	{ TGW_A_SYNC_STATS_SKIPPED, "skipped" },
	{ 0, NULL },
	{ TGW_A_SYNC_STATS_GAPS, "gaps" },
	{ TGW_A_SYNC_STATS_NACK_TX, "nack_tx" },
	{ TGW_A_SYNC_STATS_NACK_RX, "nack_rx" },
	{ TGW_A_SYNC_STATS_RETRANS, "retrans" },
	{ TGW_A_SYNC_STATS_LOST, "lost" },
	{ 0, NULL },
	{ TGW_A_SYNC_STATS_BULK_REQ_TX, "bulk_req_tx" },
	{ TGW_A_SYNC_STATS_BULK_REQ_RX, "bulk_req_rx" },
	{ TGW_A_SYNC_STATS_BULK_TX, "bulk_tx" },
	{ 0, NULL },
};

static const char *const tgw_sync_drop_names[__TGW_SYNC_DROP_MAX] = {
	[TGW_SYNC_DROP_SHORT] = "short",
	[TGW_SYNC_DROP_MAGIC] = "magic",
	[TGW_SYNC_DROP_VERSION] = "version",
	[TGW_SYNC_DROP_SIZE] = "size",
	[TGW_SYNC_DROP_SYNCID] = "syncid",
	[TGW_SYNC_DROP_AUTH] = "auth",
	[TGW_SYNC_DROP_REPLAY] = "replay",
	[TGW_SYNC_DROP_MALFORMED] = "malformed",
	[TGW_SYNC_DROP_PEER] = "peer",
	[TGW_SYNC_DROP_OWN] = "own",
	[TGW_SYNC_DROP_NOMEM] = "nomem",
};

static int tgw_hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* @what names the source in errors; the key itself is never printed. */
static int tgw_sync_parse_key(const char *hex, size_t n, const char *what,
			      struct tgw_sync_args *sa)
{
	size_t i;

	if (n > 2 && hex[0] == '0' && (hex[1] == 'x' || hex[1] == 'X')) {
		hex += 2;
		n -= 2;
	}
	for (i = 0; i < n; i++)
		if (tgw_hexval(hex[i]) < 0)
			return tgw_err("%s: not a hex digit at offset %zu",
				       what, i);
	if (n % 2)
		return tgw_err("%s: odd number of hex digits", what);
	if (n / 2 < TGW_SYNC_KEY_MIN || n / 2 > TGW_SYNC_KEY_MAX)
		return tgw_err("%s: need %d to %d bytes (%d to %d hex digits), not %zu",
			       what, TGW_SYNC_KEY_MIN, TGW_SYNC_KEY_MAX,
			       2 * TGW_SYNC_KEY_MIN, 2 * TGW_SYNC_KEY_MAX,
			       n / 2);
	for (i = 0; i < n; i += 2)
		sa->key[i / 2] = tgw_hexval(hex[i]) << 4 | tgw_hexval(hex[i + 1]);
	sa->keylen = n / 2;
	return 0;
}

/* A file holding the key in hex (surrounding white space ignored). */
static int tgw_sync_read_keyfile(const char *path, struct tgw_sync_args *sa)
{
	char buf[TGW_SYNC_KEYFILE_MAX + 1], what[64], *s;
	struct stat st;
	size_t n;
	FILE *f;
	int ret;

	f = fopen(path, "r");
	if (!f)
		return tgw_err("keyfile %s: %s", path, strerror(errno));
	if (!fstat(fileno(f), &st) && S_ISREG(st.st_mode) &&
	    (st.st_mode & 0077))
		fprintf(stderr, "Warning: keyfile %s is accessible to group or others\n",
			path);
	n = fread(buf, 1, sizeof(buf), f);
	ret = ferror(f);
	fclose(f);
	if (ret) {
		ret = tgw_err("keyfile %s: read error", path);
		goto out;
	}
	if (n > TGW_SYNC_KEYFILE_MAX) {
		ret = tgw_err("keyfile %s: too long for a key", path);
		goto out;
	}
	buf[n] = '\0';
	for (s = buf; isspace((unsigned char)*s); s++)
		n--;
	while (n && isspace((unsigned char)s[n - 1]))
		n--;
	if (!n || memchr(s, '\0', n)) {
		ret = tgw_err("keyfile %s: expected hex digits", path);
		goto out;
	}
	snprintf(what, sizeof(what), "keyfile %s", path);
	ret = tgw_sync_parse_key(s, n, what, sa);
out:
	explicit_bzero(buf, sizeof(buf));
	return ret;
}

/* Mark @bit given; a second time is an error. */
static int tgw_sync_once(struct tgw_sync_args *sa, unsigned int bit,
			 const char *word)
{
	if (sa->seen & bit)
		return tgw_err("\"%s\" given twice", word);
	sa->seen |= bit;
	return 0;
}

static bool tgw_ip_multicast(uint32_t ip)
{
	return (ntohl(ip) & 0xf0000000) == 0xe0000000;
}

static int tgw_sync_parse(int argc, char **argv, struct tgw_sync_args *sa)
{
	uint32_t v, ip;
	unsigned int i;

	memset(sa, 0, sizeof(*sa));
	for (; argc > 0; argc -= 2, argv += 2) {
		const char *w = argv[0], *val = argv[1];

		if (argc < 2)
			return tgw_err("\"%s\" needs a value", w);
		if (tgw_match(w, "syncid")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_SYNCID, "syncid") ||
			    tgw_parse_u32(val, UINT32_MAX, &sa->syncid))
				return -EINVAL;
			if (!sa->syncid)
				return tgw_err("syncid must be 1..%u",
					       UINT32_MAX);
		} else if (tgw_match(w, "addr")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_ADDR, "addr") ||
			    tgw_parse_ip(val, &sa->addr))
				return -EINVAL;
			if (!sa->addr || tgw_ip_multicast(sa->addr) ||
			    sa->addr == INADDR_BROADCAST)
				return tgw_err("addr %s: need a local unicast address",
					       val);
		} else if (tgw_match(w, "port")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_PORT, "port") ||
			    tgw_parse_u32(val, 65535, &v))
				return -EINVAL;
			if (!v)
				return tgw_err("port must be 1..65535");
			sa->port = htons(v);
		} else if (tgw_match(w, "peer")) {
			if (tgw_parse_ip(val, &ip))
				return -EINVAL;
			if (!ip || tgw_ip_multicast(ip) ||
			    ip == INADDR_BROADCAST)
				return tgw_err("peer %s: need a unicast address",
					       val);
			for (i = 0; i < sa->npeers; i++)
				if (sa->peers[i] == ip)
					return tgw_err("peer %s given twice",
						       val);
			if (sa->npeers == TGW_SYNC_PEERS_MAX)
				return tgw_err("at most %d peers",
					       TGW_SYNC_PEERS_MAX);
			sa->peers[sa->npeers++] = ip;
		} else if (tgw_match(w, "group")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_GROUP, "group") ||
			    tgw_parse_ip(val, &sa->group))
				return -EINVAL;
			if (!tgw_ip_multicast(sa->group))
				return tgw_err("group %s: not an IPv4 multicast address",
					       val);
		} else if (tgw_match(w, "dev")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_DEV, "dev"))
				return -EINVAL;
			sa->ifindex = if_nametoindex(val);
			if (!sa->ifindex)
				return tgw_err("dev %s: %s", val,
					       strerror(errno));
		} else if (tgw_match(w, "key")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_KEY, "key") ||
			    tgw_sync_parse_key(val, strlen(val), "key", sa))
				return -EINVAL;
		} else if (tgw_match(w, "keyfile")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_KEY, "key") ||
			    tgw_sync_read_keyfile(val, sa))
				return -EINVAL;
		} else if (tgw_match(w, "refresh")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_REFRESH, "refresh") ||
			    tgw_parse_u32(val, TGW_SYNC_REFRESH_MAX,
					  &sa->refresh))
				return -EINVAL;
			if (!sa->refresh)
				return tgw_err("refresh must be 1..%d seconds",
					       TGW_SYNC_REFRESH_MAX);
		} else if (tgw_match(w, "bulk-rate")) {
			if (tgw_sync_once(sa, TGW_SYNC_ARG_BULK_RATE,
					  "bulk-rate") ||
			    tgw_parse_u32(val, TGW_SYNC_BULK_RATE_MAX,
					  &sa->bulk_rate))
				return -EINVAL;
			if (!sa->bulk_rate)
				return tgw_err("bulk-rate must be 1..%d datagrams/s",
					       TGW_SYNC_BULK_RATE_MAX);
		} else {
			return tgw_err("unknown argument \"%s\"", w);
		}
	}
	if (!(sa->seen & TGW_SYNC_ARG_SYNCID))
		return tgw_err("sync start needs \"syncid N\"");
	if (!(sa->seen & TGW_SYNC_ARG_ADDR))
		return tgw_err("sync start needs \"addr ADDR\"");
	if ((sa->seen & TGW_SYNC_ARG_GROUP) && !(sa->seen & TGW_SYNC_ARG_DEV))
		return tgw_err("\"group\" needs \"dev IFNAME\"");
	if ((sa->seen & TGW_SYNC_ARG_DEV) && !(sa->seen & TGW_SYNC_ARG_GROUP))
		return tgw_err("\"dev\" is the device of a multicast \"group\"");
	if (!sa->npeers && !(sa->seen & TGW_SYNC_ARG_GROUP))
		return tgw_err("sync start needs \"peer ADDR\" or \"group GROUP dev IFNAME\"");
	for (i = 0; i < sa->npeers; i++)
		if (sa->peers[i] == sa->addr)
			return tgw_err("a peer cannot be the local addr");
	return 0;
}

static int tgw_sync_start(struct tgw_ctx *ctx, int argc, char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct tgw_sync_args sa;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	unsigned int i;
	int ret;

	ret = tgw_sync_parse(argc, argv, &sa);
	if (ret)
		goto out;
	nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_SYNC_START, 0);
	nest = mnl_attr_nest_start(nlh, TGW_A_SYNC);
	mnl_attr_put_u32(nlh, TGW_A_SYNC_SYNCID, sa.syncid);
	mnl_attr_put_u32(nlh, TGW_A_SYNC_ADDR, sa.addr);
	if (sa.port)
		mnl_attr_put_u16(nlh, TGW_A_SYNC_PORT, sa.port);
	for (i = 0; i < sa.npeers; i++)
		mnl_attr_put_u32(nlh, TGW_A_SYNC_PEER, sa.peers[i]);
	if (sa.seen & TGW_SYNC_ARG_GROUP) {
		mnl_attr_put_u32(nlh, TGW_A_SYNC_GROUP, sa.group);
		mnl_attr_put_u32(nlh, TGW_A_SYNC_IFINDEX, sa.ifindex);
	}
	if (sa.keylen)
		mnl_attr_put(nlh, TGW_A_SYNC_KEY, sa.keylen, sa.key);
	if (sa.refresh)
		mnl_attr_put_u32(nlh, TGW_A_SYNC_REFRESH, sa.refresh);
	if (sa.bulk_rate)
		mnl_attr_put_u32(nlh, TGW_A_SYNC_BULK_RATE, sa.bulk_rate);
	mnl_attr_nest_end(nlh, nest);
	ret = cpnl_do(ctx->nl, nlh, NULL, NULL);
	explicit_bzero(buf, sizeof(buf));
out:
	explicit_bzero(&sa, sizeof(sa));
	return ret;
}

struct tgw_sync_peer_row {
	uint32_t addr, missing, last_ms;
	uint64_t epoch, seq, rx;
	uint8_t alive, bulk;
	bool has_last;
};

static void tgw_sync_peer_parse(const struct nlattr *nest,
				struct tgw_sync_peer_row *p)
{
	const struct nlattr *a;

	memset(p, 0, sizeof(*p));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_SYNC_PEER_ADDR:
			p->addr = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_PEER_EPOCH:
			p->epoch = mnl_attr_get_u64(a);
			break;
		case TGW_A_SYNC_PEER_SEQ:
			p->seq = mnl_attr_get_u64(a);
			break;
		case TGW_A_SYNC_PEER_MISSING:
			p->missing = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_PEER_LAST_MS:
			p->last_ms = mnl_attr_get_u32(a);
			p->has_last = true;
			break;
		case TGW_A_SYNC_PEER_ALIVE:
			p->alive = mnl_attr_get_u8(a);
			break;
		case TGW_A_SYNC_PEER_BULK:
			p->bulk = mnl_attr_get_u8(a);
			break;
		case TGW_A_SYNC_PEER_RX:
			p->rx = cpnl_attr_get_uint(a);
			break;
		}
	}
}

static const char *tgw_sync_bulk_str(uint8_t bulk)
{
	return bulk < __TGW_SYNC_BULK_MAX ? tgw_sync_bulk_names[bulk] : "?";
}

static void tgw_sync_peer_print(struct tgw_ctx *ctx, const struct nlattr *nest)
{
	struct tgw_sync_peer_row p;
	char ip[INET_ADDRSTRLEN];

	tgw_sync_peer_parse(nest, &p);
	tgw_ip_str(p.addr, ip);
	if (ctx->json) {
		cpjson_obj_begin(&ctx->j, NULL);
		cpjson_str(&ctx->j, "addr", ip);
		cpjson_u64(&ctx->j, "epoch", p.epoch);
		cpjson_u64(&ctx->j, "seq", p.seq);
		cpjson_u64(&ctx->j, "missing", p.missing);
		cpjson_u64(&ctx->j, "last_ms", p.last_ms);
		cpjson_bool(&ctx->j, "alive", p.alive);
		cpjson_str(&ctx->j, "bulk", tgw_sync_bulk_str(p.bulk));
		cpjson_u64(&ctx->j, "rx", p.rx);
		cpjson_obj_end(&ctx->j);
		return;
	}
	printf("peer %s epoch %llu seq %llu missing %u", ip,
	       (unsigned long long)p.epoch, (unsigned long long)p.seq,
	       p.missing);
	if (p.rx && p.has_last)
		printf(" last %ums", p.last_ms);
	else
		printf(" last never");
	printf(" alive %s bulk %s rx %llu\n", p.alive ? "yes" : "no",
	       tgw_sync_bulk_str(p.bulk), (unsigned long long)p.rx);
}

/* The TGW_A_SYNC_STATS nest: every known counter, 0 when absent. */
static void tgw_sync_stats_print(struct tgw_ctx *ctx, const struct nlattr *nest,
				 const char *prefix)
{
	uint64_t val[TGW_A_SYNC_STATS_MAX + 1] = { 0 };
	uint64_t drop[__TGW_SYNC_DROP_MAX] = { 0 };
	const struct nlattr *a, *d;
	const char *sep = prefix;
	unsigned int t, i;

	if (nest) {
		mnl_attr_for_each_nested(a, nest) {
			t = mnl_attr_get_type(a);
			if (t == TGW_A_SYNC_STATS_DROPS) {
				mnl_attr_for_each_nested(d, a) {
					t = mnl_attr_get_type(d);
					if (t >= 1 && t <= __TGW_SYNC_DROP_MAX)
						drop[t - 1] =
							cpnl_attr_get_uint(d);
				}
			} else if (t && t <= TGW_A_SYNC_STATS_MAX) {
				val[t] = cpnl_attr_get_uint(a);
			}
		}
	}
	for (i = 0; i < ARRAY_SIZE(tgw_sync_stat_names); i++) {
		t = tgw_sync_stat_names[i].type;
		if (!t) {
			if (!ctx->json)
				putchar('\n');
			sep = prefix;
			continue;
		}
		if (ctx->json)
			cpjson_u64(&ctx->j, tgw_sync_stat_names[i].name, val[t]);
		else
			printf("%s%s %llu", sep, tgw_sync_stat_names[i].name,
			       (unsigned long long)val[t]);
		sep = " ";
	}
	if (ctx->json)
		cpjson_obj_begin(&ctx->j, "drops");
	else
		printf("%sdrops", prefix);
	for (i = 0; i < __TGW_SYNC_DROP_MAX; i++) {
		if (ctx->json)
			cpjson_u64(&ctx->j, tgw_sync_drop_names[i], drop[i]);
		else
			printf(" %s %llu", tgw_sync_drop_names[i],
			       (unsigned long long)drop[i]);
	}
	if (ctx->json)
		cpjson_obj_end(&ctx->j);
	else
		putchar('\n');
}

struct tgw_sync_show {
	struct tgw_ctx *ctx;
	bool show;		/* config and peers */
	bool stats;		/* counters */
};

static void tgw_sync_config_print(struct tgw_ctx *ctx, const struct nlattr *nest)
{
	uint32_t syncid = 0, addr = 0, group = 0, ifindex = 0, refresh = 0;
	uint32_t bulk_rate = 0;
	char ip[INET_ADDRSTRLEN], dev[IF_NAMESIZE];
	uint64_t epoch = 0, seq = 0;
	bool auth = false, in_sync = false;
	const struct nlattr *a;
	uint16_t port = 0;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_SYNC_SYNCID:
			syncid = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_ADDR:
			addr = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_PORT:
			port = ntohs(mnl_attr_get_u16(a));
			break;
		case TGW_A_SYNC_GROUP:
			group = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_IFINDEX:
			ifindex = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_REFRESH:
			refresh = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_BULK_RATE:
			bulk_rate = mnl_attr_get_u32(a);
			break;
		case TGW_A_SYNC_AUTH:
			auth = true;
			break;
		case TGW_A_SYNC_EPOCH:
			epoch = mnl_attr_get_u64(a);
			break;
		case TGW_A_SYNC_SEQ:
			seq = mnl_attr_get_u64(a);
			break;
		case TGW_A_SYNC_IN_SYNC:
			in_sync = mnl_attr_get_u8(a);
			break;
		}
	}
	if (!ifindex || !if_indextoname(ifindex, dev))
		snprintf(dev, sizeof(dev), "if%u", ifindex);

	if (ctx->json) {
		cpjson_u64(&ctx->j, "syncid", syncid);
		cpjson_str(&ctx->j, "addr", tgw_ip_str(addr, ip));
		cpjson_u64(&ctx->j, "port", port);
		cpjson_arr_begin(&ctx->j, "peers");
	} else {
		printf("syncid %u addr %s port %u", syncid,
		       tgw_ip_str(addr, ip), port);
	}
	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) != TGW_A_SYNC_PEER)
			continue;
		tgw_ip_str(mnl_attr_get_u32(a), ip);
		if (ctx->json)
			cpjson_str(&ctx->j, NULL, ip);
		else
			printf(" peer %s", ip);
	}
	if (ctx->json) {
		cpjson_arr_end(&ctx->j);
		if (group) {
			cpjson_str(&ctx->j, "group", tgw_ip_str(group, ip));
			cpjson_str(&ctx->j, "dev", dev);
			cpjson_u64(&ctx->j, "ifindex", ifindex);
		}
		cpjson_bool(&ctx->j, "auth", auth);
		cpjson_u64(&ctx->j, "refresh", refresh);
		cpjson_u64(&ctx->j, "bulk_rate", bulk_rate);
		cpjson_u64(&ctx->j, "epoch", epoch);
		cpjson_u64(&ctx->j, "seq", seq);
		cpjson_bool(&ctx->j, "in_sync", in_sync);
		cpjson_arr_begin(&ctx->j, "peer_info");
	} else {
		if (group)
			printf(" group %s dev %s", tgw_ip_str(group, ip), dev);
		printf(" auth %s refresh %u bulk-rate %u\n",
		       auth ? "on" : "off", refresh, bulk_rate);
		printf("epoch %llu seq %llu in-sync %s\n",
		       (unsigned long long)epoch, (unsigned long long)seq,
		       in_sync ? "yes" : "no");
	}
	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == TGW_A_SYNC_PEER_INFO)
			tgw_sync_peer_print(ctx, a);
	if (ctx->json)
		cpjson_arr_end(&ctx->j);
}

static int tgw_sync_show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a, *b, *nest = NULL, *stats = NULL;
	struct tgw_sync_show *s = data;
	struct tgw_ctx *ctx = s->ctx;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == TGW_A_SYNC)
			nest = a;
	if (!nest) {
		fprintf(stderr, "Error: no sync attributes in the reply\n");
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	mnl_attr_for_each_nested(b, nest)
		if (mnl_attr_get_type(b) == TGW_A_SYNC_STATS)
			stats = b;
	if (ctx->json)
		cpjson_obj_begin(&ctx->j, NULL);
	if (s->show)
		tgw_sync_config_print(ctx, nest);
	if (s->show && s->stats) {
		if (ctx->json)
			cpjson_obj_begin(&ctx->j, "stats");
		tgw_sync_stats_print(ctx, stats, "# ");
		if (ctx->json)
			cpjson_obj_end(&ctx->j);
	} else if (s->stats) {
		tgw_sync_stats_print(ctx, stats, "");
	}
	if (ctx->json)
		cpjson_obj_end(&ctx->j);
	return MNL_CB_OK;
}

static int tgw_sync_get(struct tgw_ctx *ctx, bool show, bool stats)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct tgw_sync_show s = {
		.ctx = ctx, .show = show, .stats = stats,
	};
	struct nlmsghdr *nlh;

	nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_SYNC_GET, 0);
	return cpnl_do(ctx->nl, nlh, tgw_sync_show_cb, &s);
}

int tgw_cmd_sync(struct tgw_ctx *ctx, int argc, char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;

	if (argc < 1 || tgw_match(argv[0], "show") ||
	    !strcmp(argv[0], "list")) {
		if (argc > 1)
			return tgw_err("unknown argument \"%s\"", argv[1]);
		return tgw_sync_get(ctx, true, ctx->stats);
	}
	if (!strcmp(argv[0], "start"))
		return tgw_sync_start(ctx, argc - 1, argv + 1);
	if (!strcmp(argv[0], "stop")) {
		if (argc > 1)
			return tgw_err("unknown argument \"%s\"", argv[1]);
		nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_SYNC_STOP, 0);
		return cpnl_do(ctx->nl, nlh, NULL, NULL);
	}
	if (tgw_match(argv[0], "stats")) {
		if (argc > 1)
			return tgw_err("unknown argument \"%s\"", argv[1]);
		return tgw_sync_get(ctx, false, true);
	}
	return tgw_err("unknown command \"sync %s\" (start, stop, show, stats)",
		       argv[0]);
}
