// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: per network namespace state and the role of the namespace.
 *
 * A namespace starts with no role (datapath off). Changing the role or
 * its address drops every connection; services and destinations stay.
 */
#include <linux/moduleparam.h>
#include <linux/slab.h>
#include <net/netfilter/ipv4/nf_defrag_ipv4.h>
#include <net/netns/generic.h>

#include "tgw.h"

static unsigned int conn_max = 1 << 20;
module_param(conn_max, uint, 0444);
MODULE_PARM_DESC(conn_max, "default connection table bound per namespace");

unsigned int tgw_net_id __read_mostly;

const u32 tgw_default_timeout[__TGW_STATE_MAX] = {
	[TGW_STATE_NONE] = 10,
	[TGW_STATE_SYN_SENT] = 30,
	[TGW_STATE_SYN_RECV] = 30,
	[TGW_STATE_ESTABLISHED] = 900,
	[TGW_STATE_FIN_WAIT] = 120,
	[TGW_STATE_TIME_WAIT] = 120,
	[TGW_STATE_CLOSE] = 10,
	[TGW_STATE_UDP] = 300,
};

bool tgw_is_gateway_of(const struct tgw_role_cfg *cfg, __be32 addr)
{
	unsigned int i;

	for (i = 0; i < cfg->ngw; i++)
		if (cfg->gw[i] == addr)
			return true;
	return false;
}

static bool tgw_cfg_same_flows(const struct tgw_role_cfg *a,
			       const struct tgw_role_cfg *b)
{
	u32 ra = a ? a->role : TGW_ROLE_NONE;
	u32 rb = b ? b->role : TGW_ROLE_NONE;

	return ra == rb && (ra == TGW_ROLE_NONE || a->addr == b->addr);
}

static bool tgw_cfg_active(const struct tgw_role_cfg *cfg)
{
	return cfg && cfg->role != TGW_ROLE_NONE;
}

/*
 * Takes ownership of @cfg (freed on error), whose timeouts (host flows)
 * must be set, defaults or not. An active role needs IPv4
 * defragmentation before the hook: fragments of tracked flows (and of the
 * tunnel packets) are reassembled, handled whole, and fragmented again on
 * the way out if they do not fit.
 */
int tgw_role_set(struct tgw_net *tn, struct tgw_role_cfg *cfg, u32 max,
		 struct netlink_ext_ack *extack)
{
	struct tgw_role_cfg *old;
	int i, err;

	lockdep_assert_held(&tn->cfg_lock);
	old = rcu_dereference_protected(tn->cfg,
					lockdep_is_held(&tn->cfg_lock));
	if (tgw_cfg_active(cfg) && !tgw_cfg_active(old)) {
		err = nf_defrag_ipv4_enable(tn->net);
		if (err) {
			NL_SET_ERR_MSG_MOD(extack,
					   "cannot enable IPv4 defragmentation");
			kfree(cfg);
			return err;
		}
	}
	rcu_assign_pointer(tn->cfg, cfg);
	if (!tgw_cfg_active(cfg) && tgw_cfg_active(old))
		nf_defrag_ipv4_disable(tn->net);
	if (max)
		WRITE_ONCE(tn->conn_max, max);
	for (i = 0; i < __TGW_STATE_MAX; i++)
		WRITE_ONCE(tn->timeout[i], cfg->timeout[i]);
	tn->cfg_gen++;
	if (!tgw_cfg_same_flows(old, cfg)) {
		synchronize_rcu();
		tgw_conn_flush(tn, NULL, NULL, TGW_CONN_END_DELETED);
	}
	kfree_rcu(old, rcu);
	return 0;
}

static int __net_init tgw_net_init(struct net *net)
{
	struct tgw_net *tn = tgw_pernet(net);
	int i, err;

	tn->net = net;
	mutex_init(&tn->cfg_lock);
	RCU_INIT_POINTER(tn->cfg, NULL);
	RCU_INIT_POINTER(tn->sync, NULL);
	tn->conn_max = conn_max;
	for (i = 0; i < __TGW_STATE_MAX; i++)
		tn->timeout[i] = tgw_default_timeout[i] * HZ;
	tgw_service_init_net(tn);
	tgw_events_init_net(tn);
	tn->stats = tgw_stats_alloc();
	if (!tn->stats)
		return -ENOMEM;
	err = tgw_conn_init_net(tn);
	if (err)
		goto out_free_stats;
	err = tgw_hooks_register(net);
	if (err)
		goto out_conn_exit;
	return 0;

out_conn_exit:
	tgw_conn_exit_net(tn);
	tgw_events_exit_net(tn);
out_free_stats:
	tgw_stats_free(tn->stats);
	return err;
}

/*
 * The sync socket goes before the namespace's devices: a datagram queued
 * on it holds a route, and with it the loopback device.
 */
static void __net_exit tgw_net_pre_exit(struct net *net)
{
	struct tgw_net *tn = tgw_pernet(net);

	mutex_lock(&tn->cfg_lock);
	if (rcu_access_pointer(tn->sync))
		tgw_sync_stop(tn, NULL);
	mutex_unlock(&tn->cfg_lock);
}

static void __net_exit tgw_net_exit(struct net *net)
{
	struct tgw_net *tn = tgw_pernet(net);
	struct tgw_role_cfg *cfg;

	WRITE_ONCE(tn->exiting, true);	/* no more events */
	tgw_hooks_unregister(net);
	mutex_lock(&tn->cfg_lock);
	tgw_service_flush_all(tn);
	tgw_conn_exit_net(tn);
	tgw_events_exit_net(tn);
	cfg = rcu_replace_pointer(tn->cfg, NULL, true);
	if (tgw_cfg_active(cfg))
		nf_defrag_ipv4_disable(net);
	kfree_rcu(cfg, rcu);
	mutex_unlock(&tn->cfg_lock);
	rcu_barrier();	/* stats of freed objects, before the netns goes */
	tgw_stats_free(tn->stats);
}

static struct pernet_operations tgw_net_ops = {
	.init = tgw_net_init,
	.pre_exit = tgw_net_pre_exit,
	.exit = tgw_net_exit,
	.id = &tgw_net_id,
	.size = sizeof(struct tgw_net),
};

int tgw_netns_init(void)
{
	return register_pernet_subsys(&tgw_net_ops);
}

void tgw_netns_exit(void)
{
	unregister_pernet_subsys(&tgw_net_ops);
}
