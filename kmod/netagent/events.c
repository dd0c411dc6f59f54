// SPDX-License-Identifier: GPL-2.0
/*
 * Notifications to the "events" multicast group: violations (rate-limited
 * per port) and learned-binding changes. Sent only when someone listens.
 *
 * The violation rate is the event_rate module parameter, read at every
 * event: a change applies at once to the existing ports, whose ratelimit
 * burst follows it (___ratelimit() reads burst with READ_ONCE()).
 */
#include <net/genetlink.h>

#include "netagent.h"

static struct sk_buff *netagent_event_new(struct netagent_port *port, u8 cmd,
					  void **hdr, gfp_t gfp)
{
	struct sk_buff *msg;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, gfp);
	if (!msg)
		return NULL;
	*hdr = genlmsg_put(msg, 0, 0, &netagent_genl_family, 0, cmd);
	if (!*hdr ||
	    nla_put_u32(msg, NETAGENT_A_PORT_IFINDEX, port->dev->ifindex) ||
	    nla_put_string(msg, NETAGENT_A_PORT_IFNAME, port->dev->name)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

static void netagent_event_send(struct netagent_port *port, struct sk_buff *msg,
				void *hdr, gfp_t gfp)
{
	genlmsg_end(msg, hdr);
	genlmsg_multicast_netns(&netagent_genl_family, dev_net(port->dev), msg,
				0, 0, gfp);
}

static bool netagent_listening(const struct netagent_port *port)
{
	return genl_has_listeners(&netagent_genl_family, dev_net(port->dev), 0);
}

static bool netagent_event_ratelimit(struct netagent_port *port)
{
	int rate = READ_ONCE(netagent_event_rate);

	if (unlikely(READ_ONCE(port->event_rs.burst) != rate))
		WRITE_ONCE(port->event_rs.burst, rate);
	return __ratelimit(&port->event_rs);
}

/* Called from the data path (BH context). */
void netagent_event_violation(struct netagent_port *port,
			      const struct sk_buff *skb,
			      const struct netagent_policy *pol,
			      enum netagent_reason reason)
{
	struct sk_buff *msg;
	void *hdr;

	if (!netagent_listening(port) || !netagent_event_ratelimit(port))
		return;
	msg = netagent_event_new(port, NETAGENT_CMD_VIOLATION_NTF, &hdr,
				 GFP_ATOMIC);
	if (!msg)
		return;
	if (nla_put_u32(msg, NETAGENT_A_PORT_MODE, pol->mode) ||
	    nla_put_u32(msg, NETAGENT_A_PORT_REASON, reason) ||
	    (skb_mac_header_was_set(skb) &&
	     nla_put(msg, NETAGENT_A_PORT_SRC_MAC, ETH_ALEN,
		     eth_hdr(skb)->h_source))) {
		nlmsg_free(msg);
		return;
	}
	netagent_event_send(port, msg, hdr, GFP_ATOMIC);
}

void netagent_event_binding(struct netagent_port *port,
			    const struct netagent_addr *addr,
			    enum netagent_binding_event event,
			    enum netagent_binding_reason reason, gfp_t gfp)
{
	struct sk_buff *msg;
	void *hdr;

	if (!netagent_listening(port))
		return;
	msg = netagent_event_new(port, NETAGENT_CMD_BINDING_NTF, &hdr, gfp);
	if (!msg)
		return;
	if (nla_put_u32(msg, NETAGENT_A_PORT_BINDING_EVENT, event) ||
	    nla_put_u32(msg, NETAGENT_A_PORT_BINDING_REASON, reason) ||
	    netagent_nl_put_addr(msg, addr)) {
		nlmsg_free(msg);
		return;
	}
	netagent_event_send(port, msg, hdr, gfp);
}
