// SPDX-License-Identifier: GPL-2.0
/* tgwctl - argument parsing and formatting helpers. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgwctl.h"

/* Kernel defaults (seconds), to print only the timeouts that differ. */
const uint32_t tgw_default_timeouts[__TGW_STATE_MAX] = {
	[TGW_STATE_SYN_SENT] = 30,
	[TGW_STATE_SYN_RECV] = 30,
	[TGW_STATE_ESTABLISHED] = 900,
	[TGW_STATE_FIN_WAIT] = 120,
	[TGW_STATE_TIME_WAIT] = 120,
	[TGW_STATE_CLOSE] = 10,
	[TGW_STATE_UDP] = 300,
};

static const char *const tgw_states[__TGW_STATE_MAX] = {
	[TGW_STATE_NONE] = "none",
	[TGW_STATE_SYN_SENT] = "syn_sent",
	[TGW_STATE_SYN_RECV] = "syn_recv",
	[TGW_STATE_ESTABLISHED] = "established",
	[TGW_STATE_FIN_WAIT] = "fin_wait",
	[TGW_STATE_TIME_WAIT] = "time_wait",
	[TGW_STATE_CLOSE] = "close",
	[TGW_STATE_UDP] = "udp",
};

static const char *const tgw_scheds[__TGW_SCHED_MAX] = {
	[TGW_SCHED_WRR] = "wrr",
	[TGW_SCHED_WLC] = "wlc",
	[TGW_SCHED_MAGLEV] = "maglev",
};

static const char *const tgw_drops[__TGW_DROP_MAX] = {
	[TGW_DROP_NO_CONN] = "no_conn",
	[TGW_DROP_NO_DEST] = "no_dest",
	[TGW_DROP_TABLE_FULL] = "table_full",
	[TGW_DROP_NOMEM] = "nomem",
	[TGW_DROP_NO_ROUTE] = "no_route",
	[TGW_DROP_TOO_BIG] = "too_big",
	[TGW_DROP_MALFORMED] = "malformed",
	[TGW_DROP_BAD_PEER] = "bad_peer",
	[TGW_DROP_CLASH] = "clash",
	[TGW_DROP_TTL] = "ttl",
};

static const char *const tgw_roles[__TGW_ROLE_MAX] = {
	[TGW_ROLE_NONE] = "none",
	[TGW_ROLE_GATEWAY] = "gateway",
	[TGW_ROLE_HOST] = "host",
};

int tgw_err(const char *fmt, ...)
{
	va_list ap;

	fputs("Error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

/* iproute2 style: any non-empty prefix of @word matches. */
bool tgw_match(const char *arg, const char *word)
{
	size_t n = strlen(arg);

	return n && n <= strlen(word) && !strncmp(arg, word, n);
}

int tgw_parse_ip(const char *s, uint32_t *ip)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1)
		return tgw_err("invalid IPv4 address \"%s\"", s);
	*ip = a.s_addr;
	return 0;
}

int tgw_parse_u32(const char *s, uint32_t max, uint32_t *v)
{
	unsigned long long n;
	char *end;

	errno = 0;
	n = strtoull(s, &end, 10);
	if (!*s || *end || errno || n > max || *s == '-')
		return tgw_err("invalid number \"%s\" (0..%u)", s,
			       max);
	*v = n;
	return 0;
}

int tgw_parse_ip_port(const char *s, uint32_t *ip, uint16_t *port,
		      bool port_optional)
{
	char buf[64], *colon;
	uint32_t p;

	if (strlen(s) >= sizeof(buf))
		return tgw_err("invalid address \"%s\"", s);
	snprintf(buf, sizeof(buf), "%s", s);
	colon = strchr(buf, ':');
	if (!colon) {
		if (!port_optional)
			return tgw_err("\"%s\": expected ADDR:PORT", s);
		*port = 0;
		return tgw_parse_ip(buf, ip);
	}
	*colon = '\0';
	if (tgw_parse_ip(buf, ip) || tgw_parse_u32(colon + 1, 65535, &p))
		return -EINVAL;
	if (!p && !port_optional)
		return tgw_err("port must be 1..65535");
	*port = htons(p);
	return 0;
}

/* tcp, udp or a number (the kernel says which numbers it takes) */
int tgw_parse_proto(const char *s, uint8_t *proto)
{
	uint32_t v;

	if (!strcmp(s, "tcp")) {
		*proto = IPPROTO_TCP;
	} else if (!strcmp(s, "udp")) {
		*proto = IPPROTO_UDP;
	} else if (s[0] >= '0' && s[0] <= '9') {
		if (tgw_parse_u32(s, 255, &v))
			return -EINVAL;
		*proto = v;
	} else {
		return tgw_err("invalid protocol \"%s\" (tcp or udp)", s);
	}
	return 0;
}

/* VIP:PORT proto P, consumed from the front of argv. */
int tgw_parse_svc_key(int *argc, char ***argv, struct tgw_svc_key *key)
{
	if (*argc < 3 || !tgw_match((*argv)[1], "proto"))
		return tgw_err("expected VIP:PORT proto tcp|udp");
	if (tgw_parse_ip_port((*argv)[0], &key->vip, &key->port, false) ||
	    tgw_parse_proto((*argv)[2], &key->proto))
		return -EINVAL;
	*argc -= 3;
	*argv += 3;
	return 0;
}

const char *tgw_ip_str(uint32_t ip, char *buf)
{
	struct in_addr a = { .s_addr = ip };

	return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

const char *tgw_proto_str(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" :
	       "?";
}

const char *tgw_sched_str(uint32_t sched)
{
	return sched < __TGW_SCHED_MAX ? tgw_scheds[sched] : "?";
}

int tgw_sched_parse(const char *s, uint32_t *sched)
{
	uint32_t i;

	for (i = 0; i < __TGW_SCHED_MAX; i++) {
		if (!strcmp(s, tgw_scheds[i])) {
			*sched = i;
			return 0;
		}
	}
	return tgw_err("invalid scheduler \"%s\" (wrr, wlc or maglev)", s);
}

const char *tgw_state_str(uint32_t state)
{
	return state < __TGW_STATE_MAX ? tgw_states[state] : "?";
}

int tgw_state_parse(const char *s, uint32_t *state)
{
	uint32_t i;

	for (i = TGW_STATE_SYN_SENT; i < __TGW_STATE_MAX; i++) {
		if (!strcmp(s, tgw_states[i])) {
			*state = i;
			return 0;
		}
	}
	return tgw_err("invalid state \"%s\" (syn_sent syn_recv established %s)",
		       s, "fin_wait time_wait close udp");
}

const char *tgw_drop_str(unsigned int reason)
{
	return reason < __TGW_DROP_MAX ? tgw_drops[reason] : "?";
}

const char *tgw_role_str(uint32_t role)
{
	return role < __TGW_ROLE_MAX ? tgw_roles[role] : "?";
}

void tgw_put_svc_key(struct nlmsghdr *nlh, const struct tgw_svc_key *key)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, TGW_A_SERVICE);

	mnl_attr_put_u32(nlh, TGW_A_SVC_VIP, key->vip);
	mnl_attr_put_u16(nlh, TGW_A_SVC_PORT, key->port);
	mnl_attr_put_u8(nlh, TGW_A_SVC_PROTO, key->proto);
	mnl_attr_nest_end(nlh, nest);
}

static const char *const tgw_stat_names[TGW_A_STATS_MAX + 1] = {
	[TGW_A_STATS_CONNS] = "conns",
	[TGW_A_STATS_PKTS_IN] = "pkts_in",
	[TGW_A_STATS_BYTES_IN] = "bytes_in",
	[TGW_A_STATS_PKTS_OUT] = "pkts_out",
	[TGW_A_STATS_BYTES_OUT] = "bytes_out",
	[TGW_A_STATS_EVICTED] = "evicted",
};

static void tgw_print_drops(struct tgw_ctx *ctx, const struct nlattr *nest,
			    const char *indent)
{
	const struct nlattr *a;
	bool any = false;

	if (ctx->json)
		cpjson_obj_begin(&ctx->j, "drops");
	mnl_attr_for_each_nested(a, nest) {
		unsigned int r = mnl_attr_get_type(a) - 1;
		uint64_t v = cpnl_attr_get_uint(a);

		if (ctx->json) {
			cpjson_u64(&ctx->j, tgw_drop_str(r), v);
			continue;
		}
		if (!v)
			continue;
		printf("%s%s %s %llu", any ? "" : indent,
		       any ? "" : "drops", tgw_drop_str(r), (unsigned long long)v);
		any = true;
	}
	if (ctx->json)
		cpjson_obj_end(&ctx->j);
	else if (any)
		putchar('\n');
}

void tgw_print_stats(struct tgw_ctx *ctx, const struct nlattr *nest,
		     const char *indent)
{
	const struct nlattr *a, *drops = NULL;
	bool first = true;

	if (ctx->json)
		cpjson_obj_begin(&ctx->j, "stats");
	mnl_attr_for_each_nested(a, nest) {
		unsigned int t = mnl_attr_get_type(a);

		if (t == TGW_A_STATS_DROPS) {
			drops = a;
			continue;
		}
		if (t > TGW_A_STATS_MAX || !tgw_stat_names[t])
			continue;
		if (ctx->json) {
			cpjson_u64(&ctx->j, tgw_stat_names[t],
				   cpnl_attr_get_uint(a));
			continue;
		}
		printf("%s%s %llu", first ? indent : " ",
		       tgw_stat_names[t], (unsigned long long)cpnl_attr_get_uint(a));
		first = false;
	}
	if (!ctx->json && !first)
		putchar('\n');
	if (drops)
		tgw_print_drops(ctx, drops, indent);
	if (ctx->json)
		cpjson_obj_end(&ctx->j);
}
