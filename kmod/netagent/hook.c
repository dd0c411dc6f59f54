// SPDX-License-Identifier: GPL-2.0
/*
 * Netfilter netdev hooks of a protected port: ingress (frames from the
 * VM: check, count, drop; in learn mode the VM's DHCP RELEASE/DECLINE
 * revoke its bindings) and, in learn mode, egress (frames to the VM:
 * DHCP replies feed the learner; never dropped).
 */
#include <linux/skbuff.h>

#include "netagent.h"

static void netagent_count(struct netagent_port *port,
			   enum netagent_reason reason)
{
	struct netagent_pcpu_stats *s = this_cpu_ptr(port->stats);

	u64_stats_update_begin(&s->syncp);
	if (reason)
		u64_stats_inc(&s->reasons[reason]);
	else
		u64_stats_inc(&s->passed);
	u64_stats_update_end(&s->syncp);
}

unsigned int netagent_ingress_hook(void *priv, struct sk_buff *skb,
				   const struct nf_hook_state *state)
{
	struct netagent_port *port = priv;
	const struct netagent_policy *pol;
	enum netagent_reason reason;

	pol = rcu_dereference(port->policy);
	reason = netagent_check(pol, skb);
	netagent_count(port, reason);
	if (likely(!reason)) {
		if (unlikely(pol->mode == NETAGENT_MODE_LEARN))
			netagent_learn_from_vm(port, pol, skb);
		return NF_ACCEPT;
	}
	netagent_event_violation(port, skb, pol, reason);
	if (pol->mode == NETAGENT_MODE_MONITOR)
		return NF_ACCEPT;
	return NF_DROP;
}

unsigned int netagent_egress_hook(void *priv, struct sk_buff *skb,
				  const struct nf_hook_state *state)
{
	netagent_learn_skb(priv, skb);
	return NF_ACCEPT;
}
