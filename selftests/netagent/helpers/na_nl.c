// SPDX-License-Identifier: GPL-2.0
/*
 * na_nl - send one hand-made (mostly invalid) netagent request and print
 * "<errno> <extack>" for the selftests to compare.
 *
 *   na_nl CASE DEV
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <linux/netagent.h>

#include "nl.h"

static const unsigned char good_mac[6] = { 2, 0, 0, 0, 0, 0x42 };

static void put_v4(struct nlmsghdr *nlh, const char *ip, int plen, bool v6too)
{
	struct nlattr *nest = mnl_attr_nest_start(nlh, NETAGENT_A_PORT_ADDR);
	unsigned char a6[16] = { 0x20, 0x01, 0x0d, 0xb8 };
	struct in_addr a;

	if (ip) {
		inet_pton(AF_INET, ip, &a);
		mnl_attr_put(nlh, NETAGENT_A_ADDR_IPV4, 4, &a);
	}
	if (v6too)
		mnl_attr_put(nlh, NETAGENT_A_ADDR_IPV6, 16, a6);
	if (plen >= 0)
		mnl_attr_put_u8(nlh, NETAGENT_A_ADDR_PREFIXLEN, plen);
	mnl_attr_nest_end(nlh, nest);
}

/* an output-only attribute in a request */
static void put_learned(struct nlmsghdr *nlh)
{
	struct nlattr *n = mnl_attr_nest_start(nlh, NETAGENT_A_PORT_ADDR);

	mnl_attr_put_u32(nlh, NETAGENT_A_ADDR_IPV4, htonl(0x0a000001));
	mnl_attr_put(nlh, NETAGENT_A_ADDR_LEARNED, 0, NULL);
	mnl_attr_nest_end(nlh, n);
}

static int build(struct cpnl *nl, char *buf, const char *c, const char *dev,
		 struct nlmsghdr **out)
{
	unsigned int cmd = NETAGENT_CMD_PORT_ADD;
	bool mac = true, name = true;
	struct nlmsghdr *nlh;
	int i;

	/* "ok" and "duplicate" are the same valid add */
	if (!strcmp(c, "del_unprotected"))
		cmd = NETAGENT_CMD_PORT_DEL;
	if (!strcmp(c, "set_unprotected"))
		cmd = NETAGENT_CMD_PORT_SET;
	nlh = cpnl_msg_start(nl, buf, cmd, 0);
	*out = nlh;
	if (!strcmp(c, "missing_dev"))
		name = false;
	if (!strcmp(c, "missing_mac") || cmd != NETAGENT_CMD_PORT_ADD)
		mac = false;
	if (!strcmp(c, "unknown_ifindex")) {
		mnl_attr_put_u32(nlh, NETAGENT_A_PORT_IFINDEX, 99999);
		name = false;
	} else if (!strcmp(c, "ifindex_zero")) {
		mnl_attr_put_u32(nlh, NETAGENT_A_PORT_IFINDEX, 0);
		name = false;
	} else if (!strcmp(c, "ifindex_mismatch")) {
		mnl_attr_put_u32(nlh, NETAGENT_A_PORT_IFINDEX, if_nametoindex("lo"));
	} else if (!strcmp(c, "unknown_dev")) {
		mnl_attr_put_strz(nlh, NETAGENT_A_PORT_IFNAME, "nosuchdev0");
		name = false;
	}
	if (name)
		mnl_attr_put_strz(nlh, NETAGENT_A_PORT_IFNAME, dev);
	if (!strcmp(c, "mac_short")) {
		mnl_attr_put(nlh, NETAGENT_A_PORT_MAC, 4, good_mac);
		mac = false;
	} else if (!strcmp(c, "mac_mcast")) {
		unsigned char m[6] = { 1, 0, 0x5e, 0, 0, 1 };

		mnl_attr_put(nlh, NETAGENT_A_PORT_MAC, 6, m);
		mac = false;
	}
	if (mac)
		mnl_attr_put(nlh, NETAGENT_A_PORT_MAC, 6, good_mac);

	if (!strcmp(c, "mode_range"))
		mnl_attr_put_u32(nlh, NETAGENT_A_PORT_MODE, 7);
	else if (!strcmp(c, "mode_type"))
		mnl_attr_put_u8(nlh, NETAGENT_A_PORT_MODE, 1);
	else if (!strcmp(c, "addr_both"))
		put_v4(nlh, "10.0.0.1", -1, true);
	else if (!strcmp(c, "addr_none"))
		put_v4(nlh, NULL, 24, false);
	else if (!strcmp(c, "plen_v4"))
		put_v4(nlh, "10.0.0.1", 33, false);
	else if (!strcmp(c, "plen_range"))
		put_v4(nlh, "10.0.0.1", 129, false);
	else if (!strcmp(c, "addr_mcast"))
		put_v4(nlh, "224.0.0.1", -1, false);
	else if (!strcmp(c, "too_many_addrs"))
		for (i = 0; i < NETAGENT_MAX_ADDRS + 1; i++)
			put_v4(nlh, "10.0.0.1", -1, false);
	else if (!strcmp(c, "ethertype_low"))
		mnl_attr_put_u16(nlh, NETAGENT_A_PORT_ETHERTYPE, 0x0100);
	else if (!strcmp(c, "unknown_attr"))
		mnl_attr_put_u32(nlh, 200, 1);
	else if (!strcmp(c, "flush_on_add"))
		mnl_attr_put(nlh, NETAGENT_A_PORT_FLUSH, 0, NULL);
	else if (!strcmp(c, "output_attr"))
		put_learned(nlh);
	return 0;
}

int main(int argc, char **argv)
{
	char buf[CPNL_REQ_SIZE];
	struct nlmsghdr *nlh;
	struct cpnl *nl;
	int ret;

	if (argc != 3) {
		fprintf(stderr, "usage: na_nl CASE DEV\n");
		return 2;
	}
	nl = cpnl_open(NETAGENT_FAMILY_NAME);
	if (!nl) {
		perror("na_nl: netagent family");
		return 1;
	}
	cpnl_set_quiet(nl, true);
	build(nl, buf, argv[1], argv[2], &nlh);
	ret = cpnl_do(nl, nlh, NULL, NULL);
	printf("%d %s\n", ret, cpnl_last_extack(nl));
	cpnl_close(nl);
	return 0;
}
