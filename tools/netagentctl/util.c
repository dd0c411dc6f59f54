// SPDX-License-Identifier: GPL-2.0
/* netagentctl - helpers shared by the verbs. */
#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/netagent.h>

#include "netagentctl.h"

static const char * const mode_names[] = {
	[NETAGENT_MODE_ENFORCE] = "enforce",
	[NETAGENT_MODE_LEARN] = "learn",
	[NETAGENT_MODE_MONITOR] = "monitor",
};

static const char * const reason_names[] = {
	[NETAGENT_REASON_NONE] = "none",
	[NETAGENT_REASON_ETH_SRC] = "eth-src",
	[NETAGENT_REASON_ETH_SRC_INVALID] = "eth-src-invalid",
	[NETAGENT_REASON_ETHERTYPE] = "ethertype",
	[NETAGENT_REASON_VLAN] = "vlan",
	[NETAGENT_REASON_MALFORMED] = "malformed",
	[NETAGENT_REASON_IPV4_SRC] = "ipv4-src",
	[NETAGENT_REASON_IPV6_SRC] = "ipv6-src",
	[NETAGENT_REASON_ARP_SHA] = "arp-sha",
	[NETAGENT_REASON_ARP_SPA] = "arp-spa",
	[NETAGENT_REASON_ND_SLLA] = "nd-slla",
	[NETAGENT_REASON_ND_TARGET] = "nd-target",
	[NETAGENT_REASON_ND_TLLA] = "nd-tlla",
	[NETAGENT_REASON_RA] = "ra",
	[NETAGENT_REASON_REDIRECT] = "redirect",
	[NETAGENT_REASON_DHCP_SERVER] = "dhcp-server",
	[NETAGENT_REASON_DHCP_CHADDR] = "dhcp-chaddr",
	[NETAGENT_REASON_DHCPV6_SERVER] = "dhcpv6-server",
	[NETAGENT_REASON_FRAGMENT] = "fragment",
};

int nactl_err(const char *fmt, ...)
{
	va_list ap;

	fputs("netagentctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

struct cpnl *nactl_open(void)
{
	struct cpnl *nl = cpnl_open(NETAGENT_FAMILY_NAME);

	if (!nl)
		nactl_err("cannot open the netagent family: %s%s", strerror(errno),
			  errno == ENOENT ? " (is netagent.ko loaded?)" : "");
	return nl;
}

const char *nactl_mode_name(uint32_t mode)
{
	return mode <= NETAGENT_MODE_MAX ? mode_names[mode] : "unknown";
}

const char *nactl_reason_name(uint32_t reason)
{
	return reason <= NETAGENT_REASON_MAX ? reason_names[reason] : "unknown";
}

void nactl_fmt_mac(char *buf, size_t len, const uint8_t *m)
{
	snprintf(buf, len, "%02x:%02x:%02x:%02x:%02x:%02x",
		 m[0], m[1], m[2], m[3], m[4], m[5]);
}

/* mnl_attr_parse() callback filling a table of attributes by type. */
int nactl_parse_tb(const struct nlattr *attr, void *data)
{
	const struct nlattr **tb = data;
	uint16_t type = mnl_attr_get_type(attr);

	if (type <= NETAGENT_A_PORT_MAX)
		tb[type] = attr;
	return MNL_CB_OK;
}

void nactl_print_addr(const struct nlattr *nest)
{
	const struct nlattr *a;
	char buf[INET6_ADDRSTRLEN] = "?";
	uint32_t expires = 0;
	bool learned = false;
	unsigned int plen = 0;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case NETAGENT_A_ADDR_IPV4:
			if (mnl_attr_get_payload_len(a) == 4)
				inet_ntop(AF_INET, mnl_attr_get_payload(a), buf,
					  sizeof(buf));
			break;
		case NETAGENT_A_ADDR_IPV6:
			if (mnl_attr_get_payload_len(a) == 16)
				inet_ntop(AF_INET6, mnl_attr_get_payload(a), buf,
					  sizeof(buf));
			break;
		case NETAGENT_A_ADDR_PREFIXLEN:
			plen = mnl_attr_get_u8(a);
			break;
		case NETAGENT_A_ADDR_LEARNED:
			learned = true;
			break;
		case NETAGENT_A_ADDR_EXPIRES:
			expires = mnl_attr_get_u32(a);
			break;
		}
	}
	if (nactl.json) {
		cpjson_obj_begin(&nactl.js, NULL);
		cpjson_str(&nactl.js, "addr", buf);
		cpjson_u64(&nactl.js, "prefixlen", plen);
		cpjson_bool(&nactl.js, "learned", learned);
		if (learned)
			cpjson_u64(&nactl.js, "expires", expires);
		cpjson_obj_end(&nactl.js);
		return;
	}
	printf("%s/%u", buf, plen);
	if (learned)
		printf(" learned expires %us", expires);
}
