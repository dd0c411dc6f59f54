// SPDX-License-Identifier: GPL-2.0
/*
 * Protected ports: per-netns table, netfilter hook registration, release
 * on device unregister and netns exit.
 *
 * The data path never looks a port up: the netdev ingress hook is
 * registered on the port's own device with the port as its private data,
 * so the per-frame cost does not depend on the number of ports.
 */
#include <linux/rtnetlink.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>

#include "netagent.h"

/* Before nftables' netdev filter chains (priority 0 or -500 by convention). */
#define NETAGENT_HOOK_PRIORITY	-1000

static unsigned int netagent_net_id __read_mostly;

struct netagent_net *netagent_net(const struct net *net)
{
	return net_generic(net, netagent_net_id);
}

/* Called under RTNL or rcu_read_lock(). */
struct netagent_port *netagent_port_find(struct netagent_net *nn, int ifindex)
{
	return xa_load(&nn->ports, ifindex);
}

static void netagent_port_free_rcu(struct rcu_head *rcu)
{
	struct netagent_port *port = container_of(rcu, struct netagent_port, rcu);

	kfree(rcu_dereference_raw(port->policy));
	free_percpu(port->stats);
	kfree(port);
}

static void netagent_hook_init(struct nf_hook_ops *ops, struct netagent_port *port,
			       enum nf_dev_hooks hooknum, nf_hookfn *fn)
{
	ops->hook = fn;
	ops->pf = NFPROTO_NETDEV;
	ops->hooknum = hooknum;
	ops->priority = NETAGENT_HOOK_PRIORITY;
	ops->dev = port->dev;
	ops->priv = port;
}

/* Egress is hooked only in learn mode, to see DHCP replies to the VM. */
static int netagent_port_egress(struct netagent_port *port, bool on,
				struct netlink_ext_ack *extack)
{
	int ret;

	ASSERT_RTNL();
	if (on == port->egress_on)
		return 0;
	if (on) {
		ret = nf_register_net_hook(dev_net(port->dev), &port->egress_ops);
		if (ret) {
			NL_SET_ERR_MSG_MOD(extack, "cannot register the egress hook");
			return ret;
		}
	} else {
		nf_unregister_net_hook(dev_net(port->dev), &port->egress_ops);
	}
	port->egress_on = on;
	return 0;
}

/**
 * netagent_port_add() - put @dev under protection with policy @pol
 * @nn: the device's netns state
 * @dev: the port device (bridge port veth/tap, any netdev)
 * @pol: the policy; consumed (owned by the port, or freed on error)
 * @extack: error reporting
 *
 * The policy is published before the hook, so the port is default-deny
 * from its first frame. Called under RTNL.
 *
 * Return: 0 or a negative errno.
 */
int netagent_port_add(struct netagent_net *nn, struct net_device *dev,
		      struct netagent_policy *pol, struct netlink_ext_ack *extack)
{
	struct netagent_port *port;
	int ret;

	ASSERT_RTNL();
	port = kzalloc(sizeof(*port), GFP_KERNEL);
	if (!port) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		kfree(pol);
		return -ENOMEM;
	}
	port->stats = netdev_alloc_pcpu_stats(struct netagent_pcpu_stats);
	if (!port->stats) {
		NL_SET_ERR_MSG_MOD(extack, "out of memory");
		ret = -ENOMEM;
		goto err_free_port;
	}
	port->dev = dev;
	port->nn = nn;
	spin_lock_init(&port->lock);
	ratelimit_state_init(&port->event_rs, HZ, READ_ONCE(netagent_event_rate));
	ratelimit_set_flags(&port->event_rs, RATELIMIT_MSG_ON_RELEASE);
	RCU_INIT_POINTER(port->policy, pol);
	netagent_hook_init(&port->ingress_ops, port, NF_NETDEV_INGRESS,
			   netagent_ingress_hook);
	netagent_hook_init(&port->egress_ops, port, NF_NETDEV_EGRESS,
			   netagent_egress_hook);

	ret = xa_insert(&nn->ports, dev->ifindex, port, GFP_KERNEL);
	if (ret) {
		if (ret == -EBUSY) {
			NL_SET_ERR_MSG_MOD(extack, "device is already protected");
			ret = -EEXIST;
		} else {
			NL_SET_ERR_MSG_MOD(extack, "out of memory");
		}
		goto err_free_stats;
	}
	ret = nf_register_net_hook(dev_net(dev), &port->ingress_ops);
	if (ret) {
		NL_SET_ERR_MSG_MOD(extack, "cannot register the ingress hook");
		goto err_erase;
	}
	ret = netagent_port_egress(port, pol->mode == NETAGENT_MODE_LEARN, extack);
	if (ret)
		goto err_unregister;
	netdev_hold(dev, &port->dev_tracker, GFP_KERNEL);
	nn->gen++;
	netdev_dbg(dev, "netagent port created\n");
	return 0;

err_unregister:
	nf_unregister_net_hook(dev_net(dev), &port->ingress_ops);
err_erase:
	xa_erase(&nn->ports, dev->ifindex);
	/* the hook may have run: free after a grace period */
	call_rcu(&port->rcu, netagent_port_free_rcu);
	return ret;
err_free_stats:
	free_percpu(port->stats);
err_free_port:
	kfree(port);
	kfree(pol);
	return ret;
}

/* Append the unexpired learned bindings of @old to @new (under port lock). */
static struct netagent_policy *
netagent_policy_keep_learned(struct netagent_policy *new,
			     const struct netagent_policy *old)
{
	unsigned int n = netagent_policy_n_learned(old), i, j;
	struct netagent_policy *merged;

	if (!n || new->mode != NETAGENT_MODE_LEARN)
		return new;
	if (new->n_addrs + n > NETAGENT_MAX_ADDRS)
		return ERR_PTR(-ENOSPC);
	merged = netagent_policy_dup(new, new->n_addrs + n, GFP_ATOMIC);
	if (!merged)
		return ERR_PTR(-ENOMEM);
	j = new->n_addrs;
	for (i = 0; i < old->n_addrs; i++)
		if (old->addrs[i].learned)
			merged->addrs[j++] = old->addrs[i];
	kfree(new);
	return merged;
}

/**
 * netagent_port_replace() - atomically replace the policy of @port
 * @port: the port
 * @pol: the new policy (configured addresses only); consumed
 * @extack: error reporting
 *
 * Learned bindings survive while the port stays in learn mode. Readers
 * see either the old or the new policy, never a mix or none.
 * Called under RTNL.
 *
 * Return: 0 or a negative errno.
 */
int netagent_port_replace(struct netagent_port *port,
			  struct netagent_policy *pol,
			  struct netlink_ext_ack *extack)
{
	bool learn = pol->mode == NETAGENT_MODE_LEARN, egress = port->egress_on;
	struct netagent_policy *old, *new;
	int ret;

	ASSERT_RTNL();
	if (learn) {
		ret = netagent_port_egress(port, true, extack);
		if (ret)
			goto err_free;
	}
	spin_lock_bh(&port->lock);
	old = rcu_dereference_protected(port->policy,
					lockdep_is_held(&port->lock));
	new = netagent_policy_keep_learned(pol, old);
	if (IS_ERR(new)) {
		spin_unlock_bh(&port->lock);
		ret = PTR_ERR(new);
		if (ret == -ENOSPC)
			NL_SET_ERR_MSG_MOD(extack,
					   "too many addresses with the learned bindings");
		else
			NL_SET_ERR_MSG_MOD(extack, "out of memory");
		/* all or nothing: the egress hook as before */
		netagent_port_egress(port, egress, NULL);
		goto err_free;
	}
	rcu_assign_pointer(port->policy, new);
	spin_unlock_bh(&port->lock);
	kfree_rcu(old, rcu);
	if (!learn)
		netagent_port_egress(port, false, NULL);
	port->nn->gen++;
	return 0;

err_free:
	kfree(pol);
	return ret;
}

/**
 * netagent_port_del() - release @port: unhook, drop the device reference
 * @port: the port
 *
 * Frames already inside the hook finish with the old state: the port is
 * freed after an RCU grace period. Called under RTNL.
 */
void netagent_port_del(struct netagent_port *port)
{
	struct net_device *dev = port->dev;

	ASSERT_RTNL();
	xa_erase(&port->nn->ports, dev->ifindex);
	nf_unregister_net_hook(dev_net(dev), &port->ingress_ops);
	netagent_port_egress(port, false, NULL);
	spin_lock_bh(&port->lock);
	port->dead = true;
	spin_unlock_bh(&port->lock);
	port->nn->gen++;
	netdev_dbg(dev, "netagent port destroyed\n");
	netdev_put(dev, &port->dev_tracker);
	call_rcu(&port->rcu, netagent_port_free_rcu);
}

void netagent_port_stats(const struct netagent_port *port, u64 *passed,
			 u64 *reasons)
{
	int cpu, i;

	*passed = 0;
	memset(reasons, 0, sizeof(u64) * __NETAGENT_REASON_CNT);
	for_each_possible_cpu(cpu) {
		const struct netagent_pcpu_stats *s = per_cpu_ptr(port->stats, cpu);
		u64 r[__NETAGENT_REASON_CNT], p;
		unsigned int start;

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			p = u64_stats_read(&s->passed);
			for (i = 0; i < __NETAGENT_REASON_CNT; i++)
				r[i] = u64_stats_read(&s->reasons[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		*passed += p;
		for (i = 0; i < __NETAGENT_REASON_CNT; i++)
			reasons[i] += r[i];
	}
}

static int netagent_netdev_event(struct notifier_block *nb,
				 unsigned long event, void *ptr)
{
	struct net_device *dev = netdev_notifier_info_to_dev(ptr);
	struct netagent_port *port;

	if (event != NETDEV_UNREGISTER)
		return NOTIFY_DONE;
	port = netagent_port_find(netagent_net(dev_net(dev)), dev->ifindex);
	if (port && port->dev == dev)
		netagent_port_del(port);
	return NOTIFY_DONE;
}

static struct notifier_block netagent_netdev_nb = {
	.notifier_call = netagent_netdev_event,
};

static int __net_init netagent_net_init(struct net *net)
{
	struct netagent_net *nn = netagent_net(net);

	nn->net = net;
	xa_init(&nn->ports);
	INIT_DELAYED_WORK(&nn->gc, netagent_gc_work);
	return 0;
}

static void __net_exit netagent_net_exit(struct net *net)
{
	struct netagent_net *nn = netagent_net(net);
	struct netagent_port *port;
	unsigned long idx;

	rtnl_lock();
	xa_for_each(&nn->ports, idx, port)
		netagent_port_del(port);
	rtnl_unlock();
	cancel_delayed_work_sync(&nn->gc);
	xa_destroy(&nn->ports);
}

static struct pernet_operations netagent_net_ops = {
	.init = netagent_net_init,
	.exit = netagent_net_exit,
	.id = &netagent_net_id,
	.size = sizeof(struct netagent_net),
};

int netagent_port_init(void)
{
	int ret;

	ret = register_pernet_subsys(&netagent_net_ops);
	if (ret)
		return ret;
	ret = register_netdevice_notifier(&netagent_netdev_nb);
	if (ret)
		goto err_unregister_pernet;
	return 0;

err_unregister_pernet:
	unregister_pernet_subsys(&netagent_net_ops);
	return ret;
}

void netagent_port_exit(void)
{
	/* releases the ports of every netns (NETDEV_UNREGISTER replay) */
	unregister_netdevice_notifier(&netagent_netdev_nb);
	unregister_pernet_subsys(&netagent_net_ops);
	rcu_barrier();
}
