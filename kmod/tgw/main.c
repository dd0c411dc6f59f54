// SPDX-License-Identifier: GPL-2.0
/*
 * tgw - tunnel gateway: an L4 balancer that DNATs client flows to VMs
 * behind IPIP tunnels and carries the replies back (Documentation/tgw.rst).
 */
#include <linux/module.h>
#include <net/genetlink.h>

#include "tgw.h"

static int __init tgw_init(void)
{
	int err;

	err = tgw_conn_cache_init();
	if (err)
		return err;
	err = tgw_netns_init();
	if (err)
		goto out_cache_exit;
	err = tgw_genl_register();
	if (err)
		goto out_netns_exit;
	pr_info("tunnel gateway loaded, %u bytes per connection\n",
		kmem_cache_size(tgw_conn_cache));
	return 0;

out_netns_exit:
	tgw_netns_exit();
out_cache_exit:
	tgw_conn_cache_exit();
	return err;
}

static void __exit tgw_exit(void)
{
	tgw_events_stop();
	tgw_genl_unregister();
	tgw_netns_exit();
	tgw_conn_cache_exit();
}

module_init(tgw_init);
module_exit(tgw_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Tunnel gateway: L4 DNAT over IPIP with stateful replies");
MODULE_ALIAS_GENL_FAMILY(TGW_FAMILY_NAME);
