// SPDX-License-Identifier: GPL-2.0
/* tgwctl - "role", "stats" and "monitor". */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tgwctl.h"

static int tgw_role_set(struct tgw_ctx *ctx, uint32_t role, int argc,
			char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;
	uint32_t ip, max;
	bool addr = false;
	int ngw = 0;

	nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_ROLE_SET, 0);
	mnl_attr_put_u32(nlh, TGW_A_ROLE, role);
	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return tgw_err("\"%s\" needs a value", argv[0]);
		if (tgw_match(argv[0], "addr")) {
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
	struct tgw_ctx *ctx = data;
	char ip[INET_ADDRSTRLEN];
	const struct nlattr *a;
	uint64_t count = 0;
	int ngw = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		switch (mnl_attr_get_type(a)) {
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
		cpjson_u64(&ctx->j, "conn_max", max);
		cpjson_u64(&ctx->j, "conns", count);
		cpjson_u64(&ctx->j, "conn_bytes", size);
		cpjson_obj_end(&ctx->j);
	} else {
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
	struct tgw_ctx *ctx = data;
	const struct nlattr *a;
	uint64_t count = 0;
	uint32_t size = 0;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == TGW_A_TABLE_COUNT)
			count = cpnl_attr_get_uint(a);
		else if (mnl_attr_get_type(a) == TGW_A_TABLE_BYTES)
			size = mnl_attr_get_u32(a);
	}
	if (ctx->json) {
		cpjson_obj_begin(&ctx->j, NULL);
		cpjson_u64(&ctx->j, "conns_now", count);
		cpjson_u64(&ctx->j, "conn_bytes", size);
	} else {
		printf("conns_now %llu conn_bytes %u\n", (unsigned long long)count,
		       size);
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

static void tgw_monitor_key(const struct nlattr *nest)
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
	printf(" %s:%u proto %s", tgw_ip_str(vip, ip), port,
	       tgw_proto_str(proto));
}

static void tgw_monitor_dest(const struct nlattr *nest)
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
	printf(" host %s vm %s:%u weight %u", tgw_ip_str(host, a1),
	       tgw_ip_str(vmip, a2), port, weight);
}

static int tgw_monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);
	char ip[INET_ADDRSTRLEN];
	const struct nlattr *a;
	int cmd = 0;

	(void)data;
	if (g->cmd != TGW_CMD_CONFIG_NTF)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(*g))
		if (mnl_attr_get_type(a) == TGW_A_NTF_CMD)
			cmd = mnl_attr_get_u8(a);
	printf("%s", tgw_event_str(cmd));
	mnl_attr_for_each(a, nlh, sizeof(*g)) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_ROLE:
			printf(" role %s", tgw_role_str(mnl_attr_get_u32(a)));
			break;
		case TGW_A_ADDR:
			printf(" addr %s", tgw_ip_str(mnl_attr_get_u32(a), ip));
			break;
		case TGW_A_SERVICE:
			tgw_monitor_key(a);
			break;
		case TGW_A_DEST:
			tgw_monitor_dest(a);
			break;
		}
	}
	putchar('\n');
	fflush(stdout);
	return MNL_CB_OK;
}

int tgw_cmd_monitor(struct tgw_ctx *ctx, int argc, char **argv)
{
	struct cpnl *mon;
	int ret;

	(void)argc;
	(void)argv;
	(void)ctx;
	mon = cpnl_open_monitor(TGW_FAMILY_NAME, TGW_MCGRP_CONFIG);
	if (!mon)
		return tgw_err("cannot join group %s: %s", TGW_MCGRP_CONFIG,
			       strerror(errno));
	ret = cpnl_monitor(mon, tgw_monitor_cb, NULL);
	cpnl_close(mon);
	return ret;
}
