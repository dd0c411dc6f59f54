// SPDX-License-Identifier: GPL-2.0
/* tgwctl - "role" and "stats". */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tgwctl.h"

static int tgw_role_set(struct tgw_ctx *ctx, uint32_t role, int argc,
			char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	uint32_t ip, max, state, secs;
	struct nlattr *tmo = NULL;
	struct nlmsghdr *nlh;
	bool addr = false;
	int ngw = 0, i;

	nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_ROLE_SET, 0);
	mnl_attr_put_u32(nlh, TGW_A_ROLE, role);
	/* timeouts first, in one nest */
	for (i = 0; i < argc; i++) {
		if (!tgw_match(argv[i], "timeout") || i + 2 >= argc) {
			i++;
			continue;
		}
		if (tgw_state_parse(argv[i + 1], &state) ||
		    tgw_parse_u32(argv[i + 2], UINT32_MAX, &secs))
			return -EINVAL;
		if (!tmo)
			tmo = mnl_attr_nest_start(nlh, TGW_A_TIMEOUT);
		mnl_attr_put_u32(nlh, state, secs);
		i += 2;
	}
	if (tmo)
		mnl_attr_nest_end(nlh, tmo);
	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return tgw_err("\"%s\" needs a value", argv[0]);
		if (tgw_match(argv[0], "timeout")) {
			if (argc < 3)
				return tgw_err("\"timeout\" needs STATE SECS");
			argc--;
			argv++;
		} else if (tgw_match(argv[0], "addr")) {
			if (tgw_parse_ip(argv[1], &ip))
				return -EINVAL;
			mnl_attr_put_u32(nlh, TGW_A_ADDR, ip);
			addr = true;
		} else if (tgw_match(argv[0], "gateway")) {
			if (tgw_parse_ip(argv[1], &ip))
				return -EINVAL;
			mnl_attr_put_u32(nlh, TGW_A_GATEWAY, ip);
			ngw++;
		} else if (tgw_match(argv[0], "conn-max")) {
			if (tgw_parse_u32(argv[1], UINT32_MAX, &max))
				return -EINVAL;
			mnl_attr_put_u32(nlh, TGW_A_TABLE_MAX, max);
		} else {
			return tgw_err("unknown argument \"%s\"", argv[0]);
		}
	}
	if (role != TGW_ROLE_NONE && !addr)
		return tgw_err("role %s needs \"addr\"", tgw_role_str(role));
	(void)ngw;	/* the kernel checks the gateway list */
	return cpnl_do(ctx->nl, nlh, NULL, NULL);
}

static int tgw_role_show_cb(const struct nlmsghdr *nlh, void *data)
{
	uint32_t role = TGW_ROLE_NONE, max = 0, size = 0, addr = 0;
	uint32_t timeout[__TGW_STATE_MAX] = { 0 };
	const struct nlattr *a, *t, *tmo = NULL;
	struct tgw_ctx *ctx = data;
	char ip[INET_ADDRSTRLEN];
	uint64_t count = 0;
	int ngw = 0, i;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_TIMEOUT:
			tmo = a;
			mnl_attr_for_each_nested(t, a)
				if (mnl_attr_get_type(t) <= TGW_STATE_MAX)
					timeout[mnl_attr_get_type(t)] =
						mnl_attr_get_u32(t);
			break;
		case TGW_A_ROLE:
			role = mnl_attr_get_u32(a);
			break;
		case TGW_A_ADDR:
			addr = mnl_attr_get_u32(a);
			break;
		case TGW_A_TABLE_MAX:
			max = mnl_attr_get_u32(a);
			break;
		case TGW_A_TABLE_BYTES:
			size = mnl_attr_get_u32(a);
			break;
		case TGW_A_TABLE_COUNT:
			count = cpnl_attr_get_uint(a);
			break;
		}
	}
	if (ctx->json) {
		cpjson_obj_begin(&ctx->j, NULL);
		cpjson_str(&ctx->j, "role", tgw_role_str(role));
		if (role != TGW_ROLE_NONE)
			cpjson_str(&ctx->j, "addr", tgw_ip_str(addr, ip));
		cpjson_arr_begin(&ctx->j, "gateways");
	} else {
		printf("role %s", tgw_role_str(role));
		if (role != TGW_ROLE_NONE)
			printf(" addr %s", tgw_ip_str(addr, ip));
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != TGW_A_GATEWAY)
			continue;
		tgw_ip_str(mnl_attr_get_u32(a), ip);
		if (ctx->json)
			cpjson_str(&ctx->j, NULL, ip);
		else
			printf(" gateway %s", ip);
		ngw++;
	}
	if (ctx->json) {
		cpjson_arr_end(&ctx->j);
		if (tmo) {
			cpjson_obj_begin(&ctx->j, "timeout");
			for (i = TGW_STATE_SYN_SENT; i <= TGW_STATE_MAX; i++)
				cpjson_u64(&ctx->j, tgw_state_str(i),
					   timeout[i]);
			cpjson_obj_end(&ctx->j);
		}
		cpjson_u64(&ctx->j, "conn_max", max);
		cpjson_u64(&ctx->j, "conns", count);
		cpjson_u64(&ctx->j, "conn_bytes", size);
		cpjson_obj_end(&ctx->j);
	} else {
		for (i = TGW_STATE_SYN_SENT; tmo && i <= TGW_STATE_MAX; i++)
			if (timeout[i] != tgw_default_timeouts[i])
				printf(" timeout %s %u", tgw_state_str(i),
				       timeout[i]);
		printf(" conn-max %u\n", max);
		if (ctx->stats)
			printf("# conns %llu bytes-per-conn %u\n",
			       (unsigned long long)count, size);
	}
	return MNL_CB_OK;
}

static int tgw_role_show(struct tgw_ctx *ctx)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;

	nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_ROLE_GET, 0);
	return cpnl_do(ctx->nl, nlh, tgw_role_show_cb, ctx);
}

int tgw_cmd_role(struct tgw_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || tgw_match(argv[0], "show"))
		return tgw_role_show(ctx);
	if (!strcmp(argv[0], "gateway"))
		return tgw_role_set(ctx, TGW_ROLE_GATEWAY, argc - 1, argv + 1);
	if (!strcmp(argv[0], "host"))
		return tgw_role_set(ctx, TGW_ROLE_HOST, argc - 1, argv + 1);
	if (!strcmp(argv[0], "none"))
		return tgw_role_set(ctx, TGW_ROLE_NONE, argc - 1, argv + 1);
	return tgw_err("unknown role \"%s\" (gateway, host, none or show)",
		       argv[0]);
}

static int tgw_stats_cb(const struct nlmsghdr *nlh, void *data)
{
	uint64_t count = 0, ev_sent = 0, ev_supp = 0;
	struct tgw_ctx *ctx = data;
	const struct nlattr *a;
	uint32_t size = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == TGW_A_TABLE_COUNT)
			count = cpnl_attr_get_uint(a);
		else if (mnl_attr_get_type(a) == TGW_A_TABLE_BYTES)
			size = mnl_attr_get_u32(a);
		else if (mnl_attr_get_type(a) == TGW_A_EVENTS_SENT)
			ev_sent = cpnl_attr_get_uint(a);
		else if (mnl_attr_get_type(a) == TGW_A_EVENTS_SUPPRESSED)
			ev_supp = cpnl_attr_get_uint(a);
	}
	if (ctx->json) {
		cpjson_obj_begin(&ctx->j, NULL);
		cpjson_u64(&ctx->j, "conns_now", count);
		cpjson_u64(&ctx->j, "conn_bytes", size);
		cpjson_u64(&ctx->j, "events_sent", ev_sent);
		cpjson_u64(&ctx->j, "events_suppressed", ev_supp);
	} else {
		printf("conns_now %llu conn_bytes %u events_sent %llu events_suppressed %llu\n",
		       (unsigned long long)count, size,
		       (unsigned long long)ev_sent,
		       (unsigned long long)ev_supp);
	}
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == TGW_A_STATS)
			tgw_print_stats(ctx, a, "");
	if (ctx->json)
		cpjson_obj_end(&ctx->j);
	return MNL_CB_OK;
}

int tgw_cmd_stats(struct tgw_ctx *ctx, int argc, char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;

	if (argc > 0 && !tgw_match(argv[0], "show"))
		return tgw_err("unknown argument \"%s\"", argv[0]);
	nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_STATS_GET, 0);
	return cpnl_do(ctx->nl, nlh, tgw_stats_cb, ctx);
}
