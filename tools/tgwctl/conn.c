// SPDX-License-Identifier: GPL-2.0
/* tgwctl - "conn": show, get, del, flush. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tgwctl.h"

void tgw_conn_parse(const struct nlattr *nest, struct tgw_conn_row *r)
{
	const struct nlattr *a;

	memset(r, 0, sizeof(*r));
	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TGW_A_CONN_PROTO:
			r->proto = mnl_attr_get_u8(a);
			break;
		case TGW_A_CONN_CIP:
			r->cip = mnl_attr_get_u32(a);
			break;
		case TGW_A_CONN_CPORT:
			r->cport = mnl_attr_get_u16(a);
			break;
		case TGW_A_CONN_VIP:
			r->vip = mnl_attr_get_u32(a);
			r->has_vip = true;
			break;
		case TGW_A_CONN_VPORT:
			r->vport = mnl_attr_get_u16(a);
			break;
		case TGW_A_CONN_VMIP:
			r->vmip = mnl_attr_get_u32(a);
			break;
		case TGW_A_CONN_VMPORT:
			r->vmport = mnl_attr_get_u16(a);
			break;
		case TGW_A_CONN_PEER:
			r->peer = mnl_attr_get_u32(a);
			break;
		case TGW_A_CONN_STATE:
			r->state = mnl_attr_get_u8(a);
			break;
		case TGW_A_CONN_TIMEOUT:
			r->timeout = mnl_attr_get_u32(a);
			break;
		case TGW_A_CONN_FLAGS:
			r->flags = mnl_attr_get_u32(a);
			break;
		}
	}
}

/* The fields of a connection: JSON members, or text without a newline. */
void tgw_conn_fields(struct tgw_ctx *ctx, const struct tgw_conn_row *r)
{
	char a[INET_ADDRSTRLEN], b[INET_ADDRSTRLEN], c[INET_ADDRSTRLEN];

	if (ctx->json) {
		cpjson_str(&ctx->j, "proto", tgw_proto_str(r->proto));
		cpjson_str(&ctx->j, "client", tgw_ip_str(r->cip, a));
		cpjson_u64(&ctx->j, "cport", ntohs(r->cport));
		if (r->has_vip) {
			cpjson_str(&ctx->j, "vip", tgw_ip_str(r->vip, a));
			cpjson_u64(&ctx->j, "vport", ntohs(r->vport));
		}
		cpjson_str(&ctx->j, "vm", tgw_ip_str(r->vmip, a));
		cpjson_u64(&ctx->j, "vmport", ntohs(r->vmport));
		cpjson_str(&ctx->j, "peer", tgw_ip_str(r->peer, a));
		cpjson_str(&ctx->j, "state", tgw_state_str(r->state));
		cpjson_u64(&ctx->j, "timeout_ms", r->timeout);
		cpjson_bool(&ctx->j, "confirmed",
			    r->flags & TGW_CONN_F_CONFIRMED);
		cpjson_bool(&ctx->j, "fallback",
			    r->flags & TGW_CONN_F_FALLBACK);
		cpjson_bool(&ctx->j, "synced", r->flags & TGW_CONN_F_SYNCED);
		return;
	}
	printf("%s %s:%u", tgw_proto_str(r->proto), tgw_ip_str(r->cip, a),
	       ntohs(r->cport));
	if (r->has_vip)
		printf(" vip %s:%u", tgw_ip_str(r->vip, b), ntohs(r->vport));
	printf(" vm %s:%u peer %s %s %us%s%s%s", tgw_ip_str(r->vmip, b),
	       ntohs(r->vmport), tgw_ip_str(r->peer, c),
	       tgw_state_str(r->state), (r->timeout + 999) / 1000,
	       r->flags & TGW_CONN_F_CONFIRMED ? " confirmed" : "",
	       r->flags & TGW_CONN_F_FALLBACK ? " fallback" : "",
	       r->flags & TGW_CONN_F_SYNCED ? " synced" : "");
}

static void tgw_conn_print(struct tgw_ctx *ctx, const struct tgw_conn_row *r)
{
	if (ctx->json)
		cpjson_obj_begin(&ctx->j, NULL);
	tgw_conn_fields(ctx, r);
	if (ctx->json)
		cpjson_obj_end(&ctx->j);
	else
		putchar('\n');
}

static int tgw_conn_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tgw_ctx *ctx = data;
	struct tgw_conn_row r;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != TGW_A_CONN)
			continue;
		tgw_conn_parse(a, &r);
		tgw_conn_print(ctx, &r);
	}
	return MNL_CB_OK;
}

/* Parse [proto P] [client IP[:PORT]] [vip IP[:PORT]] [vm IP[:PORT]]
 * [peer IP] into a TGW_A_CONN nest; @key requires a full client tuple.
 */
static int tgw_conn_args(struct nlmsghdr *nlh, int argc, char **argv,
			 bool key)
{
	bool proto = false, client = false, dst = false;
	struct nlattr *nest;
	uint16_t port;
	uint32_t ip;
	uint8_t p;

	nest = mnl_attr_nest_start(nlh, TGW_A_CONN);
	for (; argc > 0; argc -= 2, argv += 2) {
		if (argc < 2)
			return tgw_err("\"%s\" needs a value", argv[0]);
		if (tgw_match(argv[0], "proto")) {
			if (tgw_parse_proto(argv[1], &p))
				return -EINVAL;
			mnl_attr_put_u8(nlh, TGW_A_CONN_PROTO, p);
			proto = true;
			continue;
		}
		if (tgw_match(argv[0], "peer")) {
			if (tgw_parse_ip(argv[1], &ip))
				return -EINVAL;
			mnl_attr_put_u32(nlh, TGW_A_CONN_PEER, ip);
			continue;
		}
		if (tgw_parse_ip_port(argv[1], &ip, &port, !key))
			return -EINVAL;
		if (tgw_match(argv[0], "client")) {
			mnl_attr_put_u32(nlh, TGW_A_CONN_CIP, ip);
			if (port)
				mnl_attr_put_u16(nlh, TGW_A_CONN_CPORT, port);
			client = true;
		} else if (tgw_match(argv[0], "vip")) {
			mnl_attr_put_u32(nlh, TGW_A_CONN_VIP, ip);
			if (port)
				mnl_attr_put_u16(nlh, TGW_A_CONN_VPORT, port);
			dst = true;
		} else if (tgw_match(argv[0], "vm")) {
			mnl_attr_put_u32(nlh, TGW_A_CONN_VMIP, ip);
			if (port)
				mnl_attr_put_u16(nlh, TGW_A_CONN_VMPORT, port);
			dst = true;
		} else {
			return tgw_err("unknown argument \"%s\"", argv[0]);
		}
	}
	if (key && (!proto || !client || !dst))
		return tgw_err("need proto P client CIP:CPORT and %s",
			       "vip VIP:VPORT (or vm VMIP:VMPORT)");
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int tgw_flush_cb(const struct nlmsghdr *nlh, void *data)
{
	struct tgw_ctx *ctx = data;
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) != TGW_A_TABLE_COUNT)
			continue;
		if (ctx->json) {
			cpjson_obj_begin(&ctx->j, NULL);
			cpjson_u64(&ctx->j, "flushed", cpnl_attr_get_uint(a));
			cpjson_obj_end(&ctx->j);
		} else {
			printf("flushed %llu connections\n",
			       (unsigned long long)cpnl_attr_get_uint(a));
		}
	}
	return MNL_CB_OK;
}

int tgw_cmd_conn(struct tgw_ctx *ctx, int argc, char **argv)
{
	uint64_t buf[CPNL_REQ_SIZE / sizeof(uint64_t)];
	struct tgw_svc_key key;
	struct nlmsghdr *nlh;
	int ret;

	if (argc < 1 || tgw_match(argv[0], "show") || !strcmp(argv[0], "list")) {
		nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_CONN_GET, 0);
		if (argc > 1 && tgw_conn_args(nlh, argc - 1, argv + 1, false))
			return -EINVAL;
		if (ctx->json)
			cpjson_arr_begin(&ctx->j, NULL);
		ret = cpnl_dump(ctx->nl, nlh, tgw_conn_cb, ctx);
		if (ctx->json)
			cpjson_arr_end(&ctx->j);
		return ret;
	}
	if (!strcmp(argv[0], "get") || !strcmp(argv[0], "del") ||
	    !strcmp(argv[0], "delete")) {
		bool get = !strcmp(argv[0], "get");

		nlh = cpnl_msg_start(ctx->nl, (char *)buf, get ? TGW_CMD_CONN_GET :
					 TGW_CMD_CONN_DEL, 0);
		if (tgw_conn_args(nlh, argc - 1, argv + 1, true))
			return -EINVAL;
		return cpnl_do(ctx->nl, nlh, get ? tgw_conn_cb : NULL, ctx);
	}
	if (tgw_match(argv[0], "monitor")) {
		if (argc > 1)
			return tgw_err("unknown argument \"%s\"", argv[1]);
		return tgw_monitor_run(ctx, false, true);
	}
	if (!strcmp(argv[0], "flush")) {
		argc--;
		argv++;
		nlh = cpnl_msg_start(ctx->nl, (char *)buf, TGW_CMD_CONN_FLUSH, 0);
		if (argc) {
			if (tgw_parse_svc_key(&argc, &argv, &key))
				return -EINVAL;
			if (argc)
				return tgw_err("unknown argument \"%s\"",
					       argv[0]);
			tgw_put_svc_key(nlh, &key);
		}
		return cpnl_do(ctx->nl, nlh, tgw_flush_cb, ctx);
	}
	return tgw_err("unknown command \"conn %s\" (show, get, del, flush, monitor)",
		       argv[0]);
}
