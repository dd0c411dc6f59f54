// SPDX-License-Identifier: GPL-2.0
/*
 * tgwctl - "monitor [config|conn|all]": configuration changes and
 * connection events, one line (or, with -j, one JSON object) each.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include "tgwctl.h"

#define TGW_MON_RCVBUF		(4 << 20)

static const char *tgw_event_str(int cmd)
{
	switch (cmd) {
	case TGW_CMD_ROLE_SET:
		return "role-set";
	case TGW_CMD_SERVICE_NEW:
		return "service-new";
	case TGW_CMD_SERVICE_SET:
		return "service-set";
	case TGW_CMD_SERVICE_DEL:
		return "service-del";
	case TGW_CMD_DEST_NEW:
		return "dest-new";
	case TGW_CMD_DEST_SET:
		return "dest-set";
	case TGW_CMD_DEST_DEL:
		return "dest-del";
	}
	return "unknown";
}

static const char *tgw_conn_event_str(int ev)
{
	switch (ev) {
	case TGW_CONN_EV_NEW:
		return "conn-new";
	case TGW_CONN_EV_STATE:
		return "conn-state";
	case TGW_CONN_EV_END:
		return "conn-end";
	}
	return "conn-unknown";
}

static const char *tgw_conn_end_str(int why)
{
	switch (why) {
	case TGW_CONN_END_CLOSED:
		return "closed";
	case TGW_CONN_END_EXPIRED:
		return "expired";
	case TGW_CONN_END_EVICTED:
		return "evicted";
	case TGW_CONN_END_DELETED:
		return "deleted";
	}
	return "unknown";
}

static void tgw_monitor_key(struct tgw_ctx *ctx, const struct nlattr *nest)
{
	uint32_t vip = 0, port = 0, proto = 0;
	char ip[INET_ADDRSTRLEN];
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == TGW_A_SVC_VIP)
			vip = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == TGW_A_SVC_PORT)
			port = ntohs(mnl_attr_get_u16(a));
		else if (mnl_attr_get_type(a) == TGW_A_SVC_PROTO)
			proto = mnl_attr_get_u8(a);
	}
	if (ctx->json) {
		cpjson_str(&ctx->j, "vip", tgw_ip_str(vip, ip));
		cpjson_u64(&ctx->j, "port", port);
		cpjson_str(&ctx->j, "proto", tgw_proto_str(proto));
		return;
	}
	printf(" %s:%u proto %s", tgw_ip_str(vip, ip), port,
	       tgw_proto_str(proto));
}

static void tgw_monitor_dest(struct tgw_ctx *ctx, const struct nlattr *nest)
{
	uint32_t host = 0, vmip = 0, port = 0, weight = 0;
	char a1[INET_ADDRSTRLEN], a2[INET_ADDRSTRLEN];
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_DEST_HOST:
			host = mnl_attr_get_u32(a);
			break;
		case TGW_A_DEST_VMIP:
			vmip = mnl_attr_get_u32(a);
			break;
		case TGW_A_DEST_VMPORT:
			port = ntohs(mnl_attr_get_u16(a));
			break;
		case TGW_A_DEST_WEIGHT:
			weight = mnl_attr_get_u32(a);
			break;
		}
	}
	if (ctx->json) {
		cpjson_str(&ctx->j, "host", tgw_ip_str(host, a1));
		cpjson_str(&ctx->j, "vm", tgw_ip_str(vmip, a2));
		cpjson_u64(&ctx->j, "vmport", port);
		cpjson_u64(&ctx->j, "weight", weight);
		return;
	}
	printf(" host %s vm %s:%u weight %u", tgw_ip_str(host, a1),
	       tgw_ip_str(vmip, a2), port, weight);
}

static void tgw_monitor_config(struct tgw_ctx *ctx, const struct nlmsghdr *nlh)
{
	char ip[INET_ADDRSTRLEN];
	const struct nlattr *a;
	int cmd = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == TGW_A_NTF_CMD)
			cmd = mnl_attr_get_u8(a);
	if (ctx->json) {
		cpjson_obj_begin(&ctx->j, NULL);
		cpjson_str(&ctx->j, "event", tgw_event_str(cmd));
	} else {
		printf("%s", tgw_event_str(cmd));
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_ROLE:
			if (ctx->json)
				cpjson_str(&ctx->j, "role",
					   tgw_role_str(mnl_attr_get_u32(a)));
			else
				printf(" role %s",
				       tgw_role_str(mnl_attr_get_u32(a)));
			break;
		case TGW_A_ADDR:
			tgw_ip_str(mnl_attr_get_u32(a), ip);
			if (ctx->json)
				cpjson_str(&ctx->j, "addr", ip);
			else
				printf(" addr %s", ip);
			break;
		case TGW_A_SERVICE:
			tgw_monitor_key(ctx, a);
			break;
		case TGW_A_DEST:
			tgw_monitor_dest(ctx, a);
			break;
		}
	}
}

static void tgw_monitor_conn(struct tgw_ctx *ctx, const struct nlmsghdr *nlh)
{
	int ev = -1, why = -1, from = -1;
	const struct nlattr *a, *conn = NULL;
	uint64_t suppressed = 0;
	bool has_supp = false;
	struct tgw_conn_row r;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_NTF_EVENT:
			ev = mnl_attr_get_u8(a);
			break;
		case TGW_A_NTF_REASON:
			why = mnl_attr_get_u8(a);
			break;
		case TGW_A_NTF_OLD_STATE:
			from = mnl_attr_get_u8(a);
			break;
		case TGW_A_NTF_SUPPRESSED:
			suppressed = cpnl_attr_get_uint(a);
			has_supp = true;
			break;
		case TGW_A_CONN:
			conn = a;
			break;
		}
	}
	if (ctx->json)
		cpjson_obj_begin(&ctx->j, NULL);
	if (has_supp && !conn) {
		if (ctx->json) {
			cpjson_str(&ctx->j, "event", "conn-suppressed");
			cpjson_u64(&ctx->j, "count", suppressed);
		} else {
			printf("conn-suppressed %llu",
			       (unsigned long long)suppressed);
		}
		return;
	}
	if (ctx->json) {
		cpjson_str(&ctx->j, "event", tgw_conn_event_str(ev));
		if (why >= 0)
			cpjson_str(&ctx->j, "reason", tgw_conn_end_str(why));
		if (from >= 0)
			cpjson_str(&ctx->j, "from", tgw_state_str(from));
	} else {
		printf("%s", tgw_conn_event_str(ev));
		if (why >= 0)
			printf(" %s", tgw_conn_end_str(why));
		if (from >= 0)
			printf(" from %s", tgw_state_str(from));
		putchar(' ');
	}
	if (conn) {
		tgw_conn_parse(conn, &r);
		tgw_conn_fields(ctx, &r);
	}
}

static int tgw_monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	struct tgw_ctx *ctx = data;

	if (g->cmd == TGW_CMD_CONFIG_NTF)
		tgw_monitor_config(ctx, nlh);
	else if (g->cmd == TGW_CMD_CONN_NTF)
		tgw_monitor_conn(ctx, nlh);
	else
		return MNL_CB_OK;
	if (ctx->json)
		cpjson_obj_end(&ctx->j);	/* one object per line */
	else
		putchar('\n');
	fflush(stdout);
	return MNL_CB_OK;
}

/* The kernel dropped messages for us (socket buffer full): say so. */
static void tgw_monitor_overrun(struct tgw_ctx *ctx)
{
	if (ctx->json)
		printf("{\"event\":\"overrun\"}\n");
	else
		printf("overrun: events lost (receive buffer full)\n");
	fflush(stdout);
}

int tgw_monitor_run(struct tgw_ctx *ctx, bool config, bool conn)
{
	struct cpnl_rx rx = {
		.cb = tgw_monitor_cb, .data = ctx, .monitor = true,
	};
	static char buf[CPNL_BUF_SIZE];
	int rcvbuf = TGW_MON_RCVBUF, ret;
	struct cpnl *mon;
	ssize_t n;

	mon = cpnl_open(TGW_FAMILY_NAME);
	if (!mon)
		return tgw_err("cannot open the tgw family: %s",
			       strerror(errno));
	ret = config ? cpnl_mcast_join(mon, TGW_MCGRP_CONFIG) : 0;
	if (!ret && conn)
		ret = cpnl_mcast_join(mon, TGW_MCGRP_CONN);
	if (ret) {
		cpnl_close(mon);
		return tgw_err("cannot join the multicast groups: %s",
			       strerror(-ret));
	}
	setsockopt(cpnl_fd(mon), SOL_SOCKET, SO_RCVBUF, &rcvbuf,
		   sizeof(rcvbuf));
	for (;;) {
		n = recv(cpnl_fd(mon), buf, sizeof(buf), 0);
		if (n < 0 && errno == ENOBUFS) {
			tgw_monitor_overrun(ctx);
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ret = -errno;
			break;
		}
		ret = cpnl_rx_feed(mon, &rx, buf, n);
		if (ret <= 0)
			break;
	}
	cpnl_close(mon);
	return ret < 0 ? tgw_err("monitor: %s", strerror(-ret)) : 0;
}

int tgw_cmd_monitor(struct tgw_ctx *ctx, int argc, char **argv)
{
	bool config = true, conn = true;

	if (argc > 1)
		return tgw_err("unknown argument \"%s\"", argv[1]);
	if (argc == 1) {
		if (tgw_match(argv[0], "config")) {
			conn = false;
		} else if (tgw_match(argv[0], "conn")) {
			config = false;
		} else if (!tgw_match(argv[0], "all")) {
			return tgw_err("unknown group \"%s\" (config, conn or all)",
				       argv[0]);
		}
	}
	return tgw_monitor_run(ctx, config, conn);
}
