// SPDX-License-Identifier: GPL-2.0
/* netagentctl stats [DEV]: per-port counters, per drop reason. */
#include <stdio.h>
#include <linux/netagent.h>

#include "netagentctl.h"

static int stats_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[NETAGENT_A_PORT_MAX + 1] = {};
	const struct nlattr *a, *r, *name, *pkts;
	struct cpjson *js = &nactl.js;
	uint64_t passed = 0, total = 0;

	(void)data;
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), nactl_parse_tb, tb);
	if (!tb[NETAGENT_A_PORT_IFNAME] || !tb[NETAGENT_A_PORT_STATS])
		return MNL_CB_OK;
	mnl_attr_for_each_nested(a, tb[NETAGENT_A_PORT_STATS]) {
		if (mnl_attr_get_type(a) == NETAGENT_A_STATS_PASSED)
			passed = cpnl_attr_get_uint(a);
		if (mnl_attr_get_type(a) != NETAGENT_A_STATS_REASON)
			continue;
		mnl_attr_for_each_nested(r, a)
			if (mnl_attr_get_type(r) == NETAGENT_A_REASON_PACKETS)
				total += cpnl_attr_get_uint(r);
	}
	if (nactl.json) {
		cpjson_obj_begin(js, NULL);
		cpjson_str(js, "ifname", mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]));
		cpjson_u64(js, "passed", passed);
		cpjson_u64(js, "violations", total);
		cpjson_obj_begin(js, "reasons");
	} else {
		printf("%s: passed %llu violations %llu\n",
		       mnl_attr_get_str(tb[NETAGENT_A_PORT_IFNAME]),
		       (unsigned long long)passed, (unsigned long long)total);
	}
	mnl_attr_for_each_nested(a, tb[NETAGENT_A_PORT_STATS]) {
		uint64_t n;

		if (mnl_attr_get_type(a) != NETAGENT_A_STATS_REASON)
			continue;
		name = NULL;
		pkts = NULL;
		mnl_attr_for_each_nested(r, a) {
			if (mnl_attr_get_type(r) == NETAGENT_A_REASON_NAME)
				name = r;
			else if (mnl_attr_get_type(r) == NETAGENT_A_REASON_PACKETS)
				pkts = r;
		}
		if (!name || !pkts)
			continue;
		n = cpnl_attr_get_uint(pkts);
		if (nactl.json)
			cpjson_u64(js, mnl_attr_get_str(name), n);
		else if (n)
			printf("\t%-16s %llu\n", mnl_attr_get_str(name),
			       (unsigned long long)n);
	}
	if (nactl.json) {
		cpjson_obj_end(js);
		cpjson_obj_end(js);
	}
	return MNL_CB_OK;
}

int stats_main(int argc, char **argv)
{
	return nactl_get(NETAGENT_CMD_STATS_GET, argc, argv, stats_cb);
}
