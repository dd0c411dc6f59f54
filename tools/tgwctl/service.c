// SPDX-License-Identifier: GPL-2.0
/*
 * tgwctl - "service" and "dest". "service show" prints the configuration
 * as the commands that re-create it (with -s, counters as # comments).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tgwctl.h"

struct tgw_svc_row {
	struct tgw_svc_key key;
	uint32_t sched;
	uint16_t mss;
	uint32_t timeout[__TGW_STATE_MAX];
	struct nlattr *stats;	/* copy of the nest */
};

struct tgw_dest_row {
	struct tgw_svc_key key;
	uint32_t host, vmip, weight, active, inactive, slots;
	uint16_t vmport;
	struct nlattr *stats;
};

struct tgw_rows {
	struct tgw_svc_row *svc;
	size_t nsvc;
	struct tgw_dest_row *dest;
	size_t ndest;
};

static struct nlattr *tgw_attr_dup(const struct nlattr *a)
{
	struct nlattr *c = malloc(a->nla_len);

	if (c)
		memcpy(c, a, a->nla_len);
	return c;
}

static void tgw_parse_key(const struct nlattr *nest, struct tgw_svc_key *key)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_SVC_VIP:
			key->vip = mnl_attr_get_u32(a);
			break;
		case TGW_A_SVC_PORT:
			key->port = mnl_attr_get_u16(a);
			break;
		case TGW_A_SVC_PROTO:
			key->proto = mnl_attr_get_u8(a);
			break;
		}
	}
}

static int tgw_svc_row_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tgw_rows *rows = data;
	const struct nlattr *a, *s, *t;
	struct tgw_svc_row *r, *n;

	n = realloc(rows->svc, (rows->nsvc + 1) * sizeof(*n));
	if (!n)
		return MNL_CB_ERROR;
	rows->svc = n;
	r = &n[rows->nsvc++];
	memset(r, 0, sizeof(*r));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != TGW_A_SERVICE)
			continue;
		tgw_parse_key(a, &r->key);
		mnl_attr_for_each_nested(s, a) {
			switch (mnl_attr_get_type(s)) {
			case TGW_A_SVC_SCHED:
				r->sched = mnl_attr_get_u32(s);
				break;
			case TGW_A_SVC_MSS:
				r->mss = mnl_attr_get_u16(s);
				break;
			case TGW_A_SVC_TIMEOUT:
				mnl_attr_for_each_nested(t, s)
					if (mnl_attr_get_type(t) <= TGW_STATE_MAX)
						r->timeout[mnl_attr_get_type(t)] =
							mnl_attr_get_u32(t);
				break;
			case TGW_A_SVC_STATS:
				r->stats = tgw_attr_dup(s);
				break;
			}
		}
	}
	return MNL_CB_OK;
}

static int tgw_dest_row_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tgw_rows *rows = data;
	struct tgw_dest_row *r, *n;
	const struct nlattr *a, *d;

	n = realloc(rows->dest, (rows->ndest + 1) * sizeof(*n));
	if (!n)
		return MNL_CB_ERROR;
	rows->dest = n;
	r = &n[rows->ndest++];
	memset(r, 0, sizeof(*r));
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == TGW_A_SERVICE) {
			tgw_parse_key(a, &r->key);
			continue;
		}
		if (mnl_attr_get_type(a) != TGW_A_DEST)
			continue;
		mnl_attr_for_each_nested(d, a) {
			switch (mnl_attr_get_type(d)) {
			case TGW_A_DEST_HOST:
				r->host = mnl_attr_get_u32(d);
				break;
			case TGW_A_DEST_VMIP:
				r->vmip = mnl_attr_get_u32(d);
				break;
			case TGW_A_DEST_VMPORT:
				r->vmport = mnl_attr_get_u16(d);
				break;
			case TGW_A_DEST_WEIGHT:
				r->weight = mnl_attr_get_u32(d);
				break;
			case TGW_A_DEST_ACTIVE:
				r->active = mnl_attr_get_u32(d);
				break;
			case TGW_A_DEST_INACTIVE:
				r->inactive = mnl_attr_get_u32(d);
				break;
			case TGW_A_DEST_SLOTS:
				r->slots = mnl_attr_get_u32(d);
				break;
			case TGW_A_DEST_STATS:
				r->stats = tgw_attr_dup(d);
				break;
			}
		}
	}
	return MNL_CB_OK;
}

static void tgw_rows_free(void *data)
{
	struct tgw_rows *rows = data;
	size_t i;

	for (i = 0; i < rows->nsvc; i++)
		free(rows->svc[i].stats);
	for (i = 0; i < rows->ndest; i++)
		free(rows->dest[i].stats);
	free(rows->svc);
	free(rows->dest);
	memset(rows, 0, sizeof(*rows));
}

static void tgw_dest_rows_free(void *data)
{
	struct tgw_rows *rows = data;
	size_t i;

	for (i = 0; i < rows->ndest; i++)
		free(rows->dest[i].stats);
	free(rows->dest);
	rows->dest = NULL;
	rows->ndest = 0;
}

static bool tgw_key_eq(const struct tgw_svc_key *a, const struct tgw_svc_key *b)
{
	return a->vip == b->vip && a->port == b->port && a->proto == b->proto;
}

static void tgw_key_print(const struct tgw_svc_key *k)
{
	char ip[INET_ADDRSTRLEN];

	printf("%s:%u proto %s", tgw_ip_str(k->vip, ip), ntohs(k->port),
	       tgw_proto_str(k->proto));
}

static void tgw_dest_print(struct tgw_ctx *ctx, const struct tgw_dest_row *r)
{
	char ip[INET_ADDRSTRLEN];

	if (ctx->json) {
		cpjson_obj_begin(&ctx->j, NULL);
		cpjson_str(&ctx->j, "host", tgw_ip_str(r->host, ip));
		cpjson_str(&ctx->j, "vm", tgw_ip_str(r->vmip, ip));
		cpjson_u64(&ctx->j, "vmport", ntohs(r->vmport));
		cpjson_u64(&ctx->j, "weight", r->weight);
		cpjson_u64(&ctx->j, "active", r->active);
		cpjson_u64(&ctx->j, "inactive", r->inactive);
		cpjson_u64(&ctx->j, "slots", r->slots);
		if (ctx->stats && r->stats)
			tgw_print_stats(ctx, r->stats, "");
		cpjson_obj_end(&ctx->j);
		return;
	}
	printf("dest add ");
	tgw_key_print(&r->key);
	printf(" host %s", tgw_ip_str(r->host, ip));
	printf(" vm %s:%u weight %u\n", tgw_ip_str(r->vmip, ip),
	       ntohs(r->vmport), r->weight);
	if (ctx->stats) {
		printf("#   active %u inactive %u maglev-slots %u\n", r->active,
		       r->inactive, r->slots);
		if (r->stats)
			tgw_print_stats(ctx, r->stats, "#   ");
	}
}

static void tgw_svc_print(struct tgw_ctx *ctx, const struct tgw_svc_row *r)
{
	char ip[INET_ADDRSTRLEN];
	int i;

	if (ctx->json) {
		cpjson_str(&ctx->j, "vip", tgw_ip_str(r->key.vip, ip));
		cpjson_u64(&ctx->j, "port", ntohs(r->key.port));
		cpjson_str(&ctx->j, "proto", tgw_proto_str(r->key.proto));
		cpjson_str(&ctx->j, "sched", tgw_sched_str(r->sched));
		cpjson_u64(&ctx->j, "mss", r->mss);
		cpjson_obj_begin(&ctx->j, "timeout");
		for (i = TGW_STATE_SYN_SENT; i <= TGW_STATE_MAX; i++)
			cpjson_u64(&ctx->j, tgw_state_str(i), r->timeout[i]);
		cpjson_obj_end(&ctx->j);
		if (ctx->stats && r->stats)
			tgw_print_stats(ctx, r->stats, "");
		return;
	}
	printf("service add ");
	tgw_key_print(&r->key);
	printf(" sched %s", tgw_sched_str(r->sched));
	for (i = TGW_STATE_SYN_SENT; i <= TGW_STATE_MAX; i++) {
		bool udp = r->key.proto == IPPROTO_UDP;
		bool udp_state = i == TGW_STATE_UDP;

		if (udp != udp_state)
			continue;
		if (r->timeout[i] != tgw_default_timeouts[i])
			printf(" timeout %s %u", tgw_state_str(i),
			       r->timeout[i]);
	}
	if (r->mss)
		printf(" mss %u", r->mss);
	putchar('\n');
	if (ctx->stats && r->stats)
		tgw_print_stats(ctx, r->stats, "# ");
}

static int tgw_dump_rows(struct tgw_ctx *ctx, struct tgw_rows *rows,
			 const struct tgw_svc_key *only, bool svcs)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct nlmsghdr *nlh;
	int ret;

	if (svcs) {
		nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_SERVICE_GET, 0);
		ret = cpnl_dump_ex(ctx->nl, nlh, tgw_svc_row_cb, rows,
				   tgw_rows_free);
		if (ret)
			return ret;
	}
	nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_DEST_GET, 0);
	if (only)
		tgw_put_svc_key(nlh, only);
	return cpnl_dump_ex(ctx->nl, nlh, tgw_dest_row_cb, rows,
			    tgw_dest_rows_free);
}

static int tgw_service_show(struct tgw_ctx *ctx, int argc, char **argv)
{
	struct tgw_rows rows = { 0 };
	struct tgw_svc_key key;
	bool only = false;
	size_t i, k;
	int ret;

	if (argc) {
		if (tgw_parse_svc_key(&argc, &argv, &key))
			return -EINVAL;
		if (argc)
			return tgw_err("unknown argument \"%s\"", argv[0]);
		only = true;
	}
	ret = tgw_dump_rows(ctx, &rows, NULL, true);
	if (ret)
		goto out;
	if (ctx->json)
		cpjson_arr_begin(&ctx->j, NULL);
	for (i = 0; i < rows.nsvc; i++) {
		if (only && !tgw_key_eq(&key, &rows.svc[i].key))
			continue;
		if (ctx->json)
			cpjson_obj_begin(&ctx->j, NULL);
		tgw_svc_print(ctx, &rows.svc[i]);
		if (ctx->json)
			cpjson_arr_begin(&ctx->j, "dests");
		for (k = 0; k < rows.ndest; k++)
			if (tgw_key_eq(&rows.dest[k].key, &rows.svc[i].key))
				tgw_dest_print(ctx, &rows.dest[k]);
		if (ctx->json) {
			cpjson_arr_end(&ctx->j);
			cpjson_obj_end(&ctx->j);
		}
	}
	if (ctx->json)
		cpjson_arr_end(&ctx->j);
out:
	tgw_rows_free(&rows);
	return ret;
}

static int tgw_service_change(struct tgw_ctx *ctx, uint8_t cmd, int argc,
			      char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct nlattr *nest, *tmo = NULL;
	struct tgw_svc_key key;
	struct nlmsghdr *nlh;
	uint32_t v, state;

	if (tgw_parse_svc_key(&argc, &argv, &key))
		return -EINVAL;
	nlh = cpnl_msg_start(ctx->nl, (char *)buf, cmd, 0);
	nest = mnl_attr_nest_start(nlh, TGW_A_SERVICE);
	mnl_attr_put_u32(nlh, TGW_A_SVC_VIP, key.vip);
	mnl_attr_put_u16(nlh, TGW_A_SVC_PORT, key.port);
	mnl_attr_put_u8(nlh, TGW_A_SVC_PROTO, key.proto);
	if (cmd == TGW_CMD_SERVICE_DEL && argc)
		return tgw_err("unknown argument \"%s\"", argv[0]);
	/* sched and mss first, timeouts gathered in one nest at the end */
	for (int i = 0; i < argc; i++) {
		if (tgw_match(argv[i], "sched") && i + 1 < argc) {
			if (tgw_sched_parse(argv[++i], &v))
				return -EINVAL;
			mnl_attr_put_u32(nlh, TGW_A_SVC_SCHED, v);
		} else if (tgw_match(argv[i], "mss") && i + 1 < argc) {
			if (tgw_parse_u32(argv[++i], 65535, &v))
				return -EINVAL;
			mnl_attr_put_u16(nlh, TGW_A_SVC_MSS, v);
		} else if (tgw_match(argv[i], "timeout") && i + 2 < argc) {
			i += 2;
		} else {
			return tgw_err("unknown or incomplete argument \"%s\"",
				       argv[i]);
		}
	}
	for (int i = 0; i < argc; i++) {
		if (!tgw_match(argv[i], "timeout")) {
			i++;
			continue;
		}
		if (tgw_state_parse(argv[i + 1], &state) ||
		    tgw_parse_u32(argv[i + 2], UINT32_MAX, &v))
			return -EINVAL;
		if (!tmo)
			tmo = mnl_attr_nest_start(nlh, TGW_A_SVC_TIMEOUT);
		mnl_attr_put_u32(nlh, state, v);
		i += 2;
	}
	if (tmo)
		mnl_attr_nest_end(nlh, tmo);
	mnl_attr_nest_end(nlh, nest);
	return cpnl_do(ctx->nl, nlh, NULL, NULL);
}

int tgw_cmd_service(struct tgw_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || tgw_match(argv[0], "show") || !strcmp(argv[0], "list"))
		return tgw_service_show(ctx, argc ? argc - 1 : 0, argv + 1);
	if (!strcmp(argv[0], "add"))
		return tgw_service_change(ctx, TGW_CMD_SERVICE_NEW, argc - 1,
					  argv + 1);
	if (!strcmp(argv[0], "set"))
		return tgw_service_change(ctx, TGW_CMD_SERVICE_SET, argc - 1,
					  argv + 1);
	if (!strcmp(argv[0], "del") || !strcmp(argv[0], "delete"))
		return tgw_service_change(ctx, TGW_CMD_SERVICE_DEL, argc - 1,
					  argv + 1);
	return tgw_err("unknown command \"service %s\" (add, set, del, show)",
		       argv[0]);
}

static int tgw_dest_show(struct tgw_ctx *ctx, int argc, char **argv)
{
	struct tgw_rows rows = { 0 };
	struct tgw_svc_key key;
	bool only = false;
	size_t i;
	int ret;

	if (argc) {
		if (tgw_parse_svc_key(&argc, &argv, &key))
			return -EINVAL;
		if (argc)
			return tgw_err("unknown argument \"%s\"", argv[0]);
		only = true;
	}
	ret = tgw_dump_rows(ctx, &rows, only ? &key : NULL, false);
	if (!ret) {
		if (ctx->json)
			cpjson_arr_begin(&ctx->j, NULL);
		for (i = 0; i < rows.ndest; i++)
			tgw_dest_print(ctx, &rows.dest[i]);
		if (ctx->json)
			cpjson_arr_end(&ctx->j);
	}
	tgw_rows_free(&rows);
	return ret;
}

static int tgw_dest_change(struct tgw_ctx *ctx, uint8_t cmd, int argc,
			   char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	bool host = false, vm = false, weight = false;
	uint32_t hostip = 0, vmip = 0, w = 1;
	struct tgw_svc_key key;
	struct nlmsghdr *nlh;
	struct nlattr *nest;
	uint16_t vmport = 0;

	if (tgw_parse_svc_key(&argc, &argv, &key))
		return -EINVAL;
	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return tgw_err("\"%s\" needs a value", argv[0]);
		if (tgw_match(argv[0], "host")) {
			if (tgw_parse_ip(argv[1], &hostip))
				return -EINVAL;
			host = true;
		} else if (tgw_match(argv[0], "vm")) {
			if (tgw_parse_ip_port(argv[1], &vmip, &vmport, false))
				return -EINVAL;
			vm = true;
		} else if (tgw_match(argv[0], "weight") &&
			   cmd != TGW_CMD_DEST_DEL) {
			if (tgw_parse_u32(argv[1], TGW_WEIGHT_MAX, &w))
				return -EINVAL;
			weight = true;
		} else {
			return tgw_err("unknown argument \"%s\"", argv[0]);
		}
	}
	if (!host || !vm)
		return tgw_err("need \"host HOSTIP\" and \"vm VMIP:VMPORT\"");
	nlh = cpnl_msg_start(ctx->nl, (char *)buf, cmd, 0);
	tgw_put_svc_key(nlh, &key);
	nest = mnl_attr_nest_start(nlh, TGW_A_DEST);
	mnl_attr_put_u32(nlh, TGW_A_DEST_HOST, hostip);
	mnl_attr_put_u32(nlh, TGW_A_DEST_VMIP, vmip);
	mnl_attr_put_u16(nlh, TGW_A_DEST_VMPORT, vmport);
	if (weight)
		mnl_attr_put_u32(nlh, TGW_A_DEST_WEIGHT, w);
	mnl_attr_nest_end(nlh, nest);
	return cpnl_do(ctx->nl, nlh, NULL, NULL);
}

int tgw_cmd_dest(struct tgw_ctx *ctx, int argc, char **argv)
{
	if (argc < 1 || tgw_match(argv[0], "show") || !strcmp(argv[0], "list"))
		return tgw_dest_show(ctx, argc ? argc - 1 : 0, argv + 1);
	if (!strcmp(argv[0], "add"))
		return tgw_dest_change(ctx, TGW_CMD_DEST_NEW, argc - 1,
				       argv + 1);
	if (!strcmp(argv[0], "set"))
		return tgw_dest_change(ctx, TGW_CMD_DEST_SET, argc - 1,
				       argv + 1);
	if (!strcmp(argv[0], "del") || !strcmp(argv[0], "delete"))
		return tgw_dest_change(ctx, TGW_CMD_DEST_DEL, argc - 1,
				       argv + 1);
	return tgw_err("unknown command \"dest %s\" (add, set, del, show)",
		       argv[0]);
}
