// SPDX-License-Identifier: GPL-2.0
/* netagentctl monitor: print violation and binding events. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/netagent.h>

#include "netagentctl.h"

static const char * const binding_events[] = {
	[NETAGENT_BINDING_LEARNED] = "learned",
	[NETAGENT_BINDING_REFRESHED] = "refreshed",
	[NETAGENT_BINDING_EXPIRED] = "expired",
	[NETAGENT_BINDING_RELEASED] = "released",
};

static const char * const binding_reasons[] = {
	[NETAGENT_BINDING_REASON_DHCP_ACK] = "dhcp-ack",
	[NETAGENT_BINDING_REASON_DHCPV6_REPLY] = "dhcpv6-reply",
	[NETAGENT_BINDING_REASON_LEASE_END] = "lease-end",
	[NETAGENT_BINDING_REASON_DHCP_NAK] = "dhcp-nak",
	[NETAGENT_BINDING_REASON_DHCP_RELEASE] = "dhcp-release",
	[NETAGENT_BINDING_REASON_DHCP_DECLINE] = "dhcp-decline",
	[NETAGENT_BINDING_REASON_DHCPV6_RELEASE] = "dhcpv6-release",
	[NETAGENT_BINDING_REASON_DHCPV6_DECLINE] = "dhcpv6-decline",
};

static const char *binding_name(uint32_t ev)
{
	return ev <= NETAGENT_BINDING_RELEASED ? binding_events[ev] : "unknown";
}

/* NULL when the kernel did not say (older module) */
static const char *binding_reason(const struct nlattr **tb)
{
	uint32_t r;

	if (!tb[NETAGENT_A_PORT_BINDING_REASON])
		return NULL;
	r = mnl_attr_get_u32(tb[NETAGENT_A_PORT_BINDING_REASON]);
	return r <= NETAGENT_BINDING_REASON_MAX ? binding_reasons[r] : "unknown";
}

static void print_violation(const struct nlattr **tb)
{
	struct cpjson *js = &nactl.js;
	char mac[18] = "?";

	if (tb[NETAGENT_A_PORT_SRC_MAC] &&
	    mnl_attr_get_payload_len(tb[NETAGENT_A_PORT_SRC_MAC]) == 6)
		nactl_fmt_mac(mac, sizeof(mac),
			      mnl_attr_get_payload(tb[NETAGENT_A_PORT_SRC_MAC]));
	if (nactl.json) {
		cpjson_obj_begin(js, NULL);
		cpjson_str(js, "event", "violation");
		cpjson_str(js, "ifname", mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]));
		cpjson_str(js, "reason",
			   nactl_reason_name(mnl_attr_get_u32(tb[NETAGENT_A_PORT_REASON])));
		if (tb[NETAGENT_A_PORT_MODE])
			cpjson_str(js, "mode",
				   nactl_mode_name(mnl_attr_get_u32(tb[NETAGENT_A_PORT_MODE])));
		cpjson_str(js, "src", mac);
		cpjson_obj_end(js);
		return;
	}
	printf("violation %s reason %s mode %s src %s\n",
	       mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]),
	       nactl_reason_name(mnl_attr_get_u32(tb[NETAGENT_A_PORT_REASON])),
	       tb[NETAGENT_A_PORT_MODE] ?
	       nactl_mode_name(mnl_attr_get_u32(tb[NETAGENT_A_PORT_MODE])) : "?",
	       mac);
}

static void print_binding(const struct nlattr **tb)
{
	uint32_t ev = mnl_attr_get_u32(tb[NETAGENT_A_PORT_BINDING_EVENT]);
	const char *why = binding_reason(tb);
	struct cpjson *js = &nactl.js;

	if (nactl.json) {
		cpjson_obj_begin(js, NULL);
		cpjson_str(js, "event", "binding");
		cpjson_str(js, "ifname", mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]));
		cpjson_str(js, "binding", binding_name(ev));
		if (why)
			cpjson_str(js, "reason", why);
		if (tb[NETAGENT_A_PORT_ADDR]) {
			cpjson_arr_begin(js, "addrs");
			nactl_print_addr(tb[NETAGENT_A_PORT_ADDR]);
			cpjson_arr_end(js);
		}
		cpjson_obj_end(js);
		return;
	}
	printf("binding %s %s ", mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]),
	       binding_name(ev));
	if (tb[NETAGENT_A_PORT_ADDR])
		nactl_print_addr(tb[NETAGENT_A_PORT_ADDR]);
	if (why)
		printf(" reason %s", why);
	printf("\n");
}

static int monitor_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NETAGENT_A_PORT_MAX + 1] = {};
	const struct genlmsghdr *g = mnl_nlmsg_get_payload(nlh);

	(void)data;
	mnl_attr_parse(nlh, sizeof(*g), nactl_parse_tb, tb);
	if (!tb[NETAGENT_A_PORT_IFNAME])
		return MNL_CB_OK;
	if (g->cmd == NETAGENT_CMD_VIOLATION_NTF && tb[NETAGENT_A_PORT_REASON])
		print_violation(tb);
	else if (g->cmd == NETAGENT_CMD_BINDING_NTF &&
		 tb[NETAGENT_A_PORT_BINDING_EVENT])
		print_binding(tb);
	fflush(stdout);
	return MNL_CB_OK;
}

int monitor_main(int argc, char **argv)
{
	struct cpnl *nl;
	int ret;

	if (argc > 0)
		return nactl_err("unexpected argument '%s'", argv[0]);
	nl = cpnl_open_monitor(NETAGENT_FAMILY_NAME, NETAGENT_MCGRP_EVENTS);
	if (!nl)
		return nactl_err("cannot listen to netagent events: %s",
				 strerror(errno));
	ret = cpnl_monitor(nl, monitor_cb, NULL);
	cpnl_close(nl);
	return ret;
}
