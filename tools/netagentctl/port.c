// SPDX-License-Identifier: GPL-2.0
/* netagentctl port add|set|del|show */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/netagent.h>

#include "netagentctl.h"

static int parse_mac(const char *s, uint8_t *mac)
{
	char c;

	if (sscanf(s, "%hhx:%hhx:%hhx:%hhx:%hhx:%hhx%c", &mac[0], &mac[1],
		   &mac[2], &mac[3], &mac[4], &mac[5], &c) != 6)
		return nactl_err("invalid MAC address '%s'", s);
	return 0;
}

static int parse_mode(const char *s, uint32_t *mode)
{
	uint32_t m;

	for (m = 0; m <= NETAGENT_MODE_MAX; m++) {
		if (!strcmp(s, nactl_mode_name(m))) {
			*mode = m;
			return 0;
		}
	}
	return nactl_err("invalid mode '%s' (enforce, learn or monitor)", s);
}

static int put_addr(struct nlmsghdr *nlh, const char *arg)
{
	unsigned char addr[16];
	char buf[INET6_ADDRSTRLEN + 8], *slash, *end;
	struct nlattr *nest;
	unsigned long plen = 0;
	int af;

	snprintf(buf, sizeof(buf), "%s", arg);
	slash = strchr(buf, '/');
	if (slash)
		*slash++ = '\0';
	af = strchr(buf, ':') ? AF_INET6 : AF_INET;
	if (inet_pton(af, buf, addr) != 1)
		return nactl_err("invalid address '%s'", arg);
	if (slash) {
		errno = 0;
		plen = strtoul(slash, &end, 10);
		if (errno || !*slash || *end || plen > (af == AF_INET ? 32 : 128))
			return nactl_err("invalid prefix length in '%s'", arg);
	}
	nest = mnl_attr_nest_start_check(nlh, CPNL_REQ_SIZE, NETAGENT_A_PORT_ADDR);
	if (!nest)
		return nactl_err("too many addresses");
	mnl_attr_put(nlh, af == AF_INET ? NETAGENT_A_ADDR_IPV4 : NETAGENT_A_ADDR_IPV6,
		     af == AF_INET ? 4 : 16, addr);
	if (slash)
		mnl_attr_put_u8(nlh, NETAGENT_A_ADDR_PREFIXLEN, plen);
	mnl_attr_nest_end(nlh, nest);
	return 0;
}

static int put_ethertype(struct nlmsghdr *nlh, const char *arg)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(arg, &end, 16);
	if (errno || !*arg || *end || v > 0xffff)
		return nactl_err("invalid ethertype '%s' (hex, e.g. 0x88cc)", arg);
	mnl_attr_put_u16(nlh, NETAGENT_A_PORT_ETHERTYPE, v);
	return 0;
}

/* Options of port add/set: KEYWORD VALUE pairs after DEV. */
static int put_options(struct nlmsghdr *nlh, int argc, char **argv, bool set)
{
	uint8_t mac[6];
	uint32_t mode = 0;
	int i;

	for (i = 0; i < argc; i++) {
		const char *kw = argv[i];
		const char *val = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(kw, "allow-vlan")) {
			uint8_t on = 1;

			if (set && val && (!strcmp(val, "on") || !strcmp(val, "off"))) {
				on = !strcmp(val, "on");
				i++;
			}
			mnl_attr_put_u8(nlh, NETAGENT_A_PORT_ALLOW_VLAN, on);
			continue;
		}
		if (set && !strcmp(kw, "flush")) {
			mnl_attr_put(nlh, NETAGENT_A_PORT_FLUSH, 0, NULL);
			continue;
		}
		if (!val)
			return nactl_err("'%s' needs an argument", kw);
		i++;
		if (!strcmp(kw, "mac")) {
			if (parse_mac(val, mac))
				return -1;
			mnl_attr_put(nlh, NETAGENT_A_PORT_MAC, 6, mac);
		} else if (!strcmp(kw, "ip")) {
			if (put_addr(nlh, val))
				return -1;
		} else if (!strcmp(kw, "mode")) {
			if (parse_mode(val, &mode))
				return -1;
			mnl_attr_put_u32(nlh, NETAGENT_A_PORT_MODE, mode);
		} else if (!strcmp(kw, "allow-ethertype")) {
			if (put_ethertype(nlh, val))
				return -1;
		} else {
			return nactl_err("unknown option '%s'", kw);
		}
	}
	return 0;
}

static int port_change(int argc, char **argv, uint8_t cmd)
{
	char buf[CPNL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct cpnl *nl;
	int ret;

	if (argc < 1)
		return nactl_err("missing device");
	nl = nactl_open();
	if (!nl)
		return -1;
	nlh = cpnl_msg_start(nl, buf, cmd, 0);
	mnl_attr_put_strz(nlh, NETAGENT_A_PORT_IFNAME, argv[0]);
	ret = 0;
	if (cmd != NETAGENT_CMD_PORT_DEL)
		ret = put_options(nlh, argc - 1, argv + 1,
				  cmd == NETAGENT_CMD_PORT_SET);
	else if (argc > 1)
		ret = nactl_err("unexpected argument '%s'", argv[1]);
	if (!ret)
		ret = cpnl_do(nl, nlh, NULL, NULL);
	cpnl_close(nl);
	return ret;
}

static void show_text(const struct nlattr **tb, const struct nlmsghdr *nlh)
{
	const struct nlattr *a;
	char mac[18] = "?";

	if (tb[NETAGENT_A_PORT_MAC])
		nactl_fmt_mac(mac, sizeof(mac), mnl_attr_get_payload(tb[NETAGENT_A_PORT_MAC]));
	printf("%s: mac %s mode %s%s\n",
	       mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]), mac,
	       nactl_mode_name(mnl_attr_get_u32(tb[NETAGENT_A_PORT_MODE])),
	       tb[NETAGENT_A_PORT_ALLOW_VLAN] &&
	       mnl_attr_get_u8(tb[NETAGENT_A_PORT_ALLOW_VLAN]) ? " allow-vlan" : "");
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == NETAGENT_A_PORT_ADDR) {
			printf("\tip ");
			nactl_print_addr(a);
			printf("\n");
		} else if (mnl_attr_get_type(a) == NETAGENT_A_PORT_ETHERTYPE) {
			printf("\tallow-ethertype 0x%04x\n", mnl_attr_get_u16(a));
		}
	}
}

static void show_json(const struct nlattr **tb, const struct nlmsghdr *nlh)
{
	struct cpjson *js = &nactl.js;
	const struct nlattr *a;
	char mac[18] = "?";

	if (tb[NETAGENT_A_PORT_MAC])
		nactl_fmt_mac(mac, sizeof(mac), mnl_attr_get_payload(tb[NETAGENT_A_PORT_MAC]));
	cpjson_obj_begin(js, NULL);
	cpjson_str(js, "ifname", mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]));
	cpjson_u64(js, "ifindex", mnl_attr_get_u32(tb[NETAGENT_A_PORT_IFINDEX]));
	cpjson_str(js, "mac", mac);
	cpjson_str(js, "mode", nactl_mode_name(mnl_attr_get_u32(tb[NETAGENT_A_PORT_MODE])));
	cpjson_bool(js, "allow_vlan", tb[NETAGENT_A_PORT_ALLOW_VLAN] &&
		    mnl_attr_get_u8(tb[NETAGENT_A_PORT_ALLOW_VLAN]));
	cpjson_arr_begin(js, "addrs");
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == NETAGENT_A_PORT_ADDR)
			nactl_print_addr(a);
	cpjson_arr_end(js);
	cpjson_arr_begin(js, "ethertypes");
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(a) == NETAGENT_A_PORT_ETHERTYPE) {
			char et[8];

			snprintf(et, sizeof(et), "0x%04x", mnl_attr_get_u16(a));
			cpjson_str(js, NULL, et);
		}
	}
	cpjson_arr_end(js);
	cpjson_obj_end(js);
}

static int show_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NETAGENT_A_PORT_MAX + 1] = {};

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nactl_parse_tb, tb);
	if (!tb[NETAGENT_A_PORT_IFNAME] || !tb[NETAGENT_A_PORT_IFINDEX] ||
	    !tb[NETAGENT_A_PORT_MODE])
		return MNL_CB_OK;
	if (nactl.json)
		show_json(tb, nlh);
	else
		show_text(tb, nlh);
	return MNL_CB_OK;
}

/* Shared by port show and stats: one port (do) or all (dump). */
int nactl_get(uint8_t cmd, int argc, char **argv, mnl_cb_t cb)
{
	char buf[CPNL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct cpnl *nl;
	int ret;

	if (argc > 1)
		return nactl_err("unexpected argument '%s'", argv[1]);
	nl = nactl_open();
	if (!nl)
		return -1;
	nlh = cpnl_msg_start(nl, buf, cmd, argc ? 0 : NLM_F_DUMP);
	if (nactl.json)
		cpjson_arr_begin(&nactl.js, NULL);
	if (argc) {
		mnl_attr_put_strz(nlh, NETAGENT_A_PORT_IFNAME, argv[0]);
		ret = cpnl_do(nl, nlh, cb, NULL);
	} else {
		ret = cpnl_dump(nl, nlh, cb, NULL);
	}
	if (nactl.json)
		cpjson_arr_end(&nactl.js);
	cpnl_close(nl);
	return ret;
}

int port_main(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "show") || !strcmp(argv[0], "list"))
		return nactl_get(NETAGENT_CMD_PORT_GET, argc ? argc - 1 : 0,
				 argv + 1, show_cb);
	if (!strcmp(argv[0], "add"))
		return port_change(argc - 1, argv + 1, NETAGENT_CMD_PORT_ADD);
	if (!strcmp(argv[0], "set"))
		return port_change(argc - 1, argv + 1, NETAGENT_CMD_PORT_SET);
	if (!strcmp(argv[0], "del") || !strcmp(argv[0], "delete"))
		return port_change(argc - 1, argv + 1, NETAGENT_CMD_PORT_DEL);
	return nactl_err("unknown port command '%s' (add, set, del, show)", argv[0]);
}
