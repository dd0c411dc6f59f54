// SPDX-License-Identifier: GPL-2.0
/*
 * The IP/MAC sniffer: in learn mode, DHCPv4 ACKs and DHCPv6 replies sent
 * to the VM (seen at the port's netdev egress, i.e. coming from the trusted
 * side) bind the acknowledged addresses to the port for the lease time.
 * A VM's own frames never teach anything (no TOFU, no ARP), and an address
 * allowed on another port of the netns is never taken.
 */
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/workqueue.h>
#include <net/ip.h>

#include "netagent.h"

#define DHCP_MAGIC		0x63825363
#define DHCP_OPT_PAD		0
#define DHCP_OPT_LEASE		51
#define DHCP_OPT_MSGTYPE	53
#define DHCP_OPT_END		255
#define DHCPACK			5
#define NETAGENT_MAX_LEASE	(7 * 24 * 3600U)	/* longer leases: capped */
#define NETAGENT_BOOTP_OPTS	240	/* options after the magic cookie */

#define DHCPV6_REPLY		7
#define DHCPV6_OPT_IA_NA	3
#define DHCPV6_OPT_IAADDR	5

struct netagent_dhcp_ack {
	__be32 yiaddr;
	u32 lease;
	u8 msgtype;
};

/* Parse the DHCP options at @off..@end for message type and lease time. */
static bool netagent_dhcp_opts(struct sk_buff *skb, unsigned int off,
			       unsigned int end, struct netagent_dhcp_ack *ack)
{
	unsigned int i;
	u8 _o[6];
	const u8 *o;

	for (i = 0; i < 128 && off < end; i++) {
		o = skb_header_pointer(skb, off, 1, _o);
		if (!o || o[0] == DHCP_OPT_END)
			break;
		if (o[0] == DHCP_OPT_PAD) {
			off++;
			continue;
		}
		o = skb_header_pointer(skb, off, 2, _o);
		if (!o || off + 2 + o[1] > end)
			return false;
		if ((o[0] == DHCP_OPT_MSGTYPE && o[1] == 1) ||
		    (o[0] == DHCP_OPT_LEASE && o[1] == 4)) {
			o = skb_header_pointer(skb, off, 2 + o[1], _o);
			if (!o)
				return false;
			if (o[0] == DHCP_OPT_MSGTYPE)
				ack->msgtype = o[2];
			else
				ack->lease = get_unaligned_be32(o + 2);
		}
		off += 2 + o[1];
	}
	return ack->msgtype == DHCPACK && ack->lease;
}

/* Is @skb (at egress: skb->data = Ethernet header) a DHCPACK for @mac? */
static bool netagent_parse_ack(struct sk_buff *skb, const u8 *mac,
			       struct netagent_dhcp_ack *ack)
{
	const struct ethhdr *eth;
	const struct iphdr *iph;
	const struct udphdr *uh;
	unsigned int off, end;
	struct ethhdr _eth;
	struct iphdr _iph;
	struct udphdr _uh;
	u8 _bp[44];
	const u8 *bp;
	__be32 magic;

	eth = skb_header_pointer(skb, 0, sizeof(_eth), &_eth);
	if (!eth || eth->h_proto != htons(ETH_P_IP))
		return false;
	iph = skb_header_pointer(skb, ETH_HLEN, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5 ||
	    iph->protocol != IPPROTO_UDP ||
	    (iph->frag_off & htons(IP_OFFSET | IP_MF)))
		return false;
	off = ETH_HLEN + iph->ihl * 4;
	end = ETH_HLEN + ntohs(iph->tot_len);
	if (end > skb->len || end < off + sizeof(_uh) + NETAGENT_BOOTP_OPTS)
		return false;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh || uh->source != htons(67) || uh->dest != htons(68))
		return false;
	off += sizeof(_uh);
	bp = skb_header_pointer(skb, off, sizeof(_bp), _bp);
	/* BOOTREPLY, Ethernet chaddr of this port */
	if (!bp || bp[0] != 2 || bp[1] != 1 || bp[2] != ETH_ALEN ||
	    !ether_addr_equal(bp + 28, mac))
		return false;
	memcpy(&ack->yiaddr, bp + 16, 4);
	if (!ack->yiaddr || ipv4_is_multicast(ack->yiaddr) ||
	    ipv4_is_lbcast(ack->yiaddr))
		return false;
	if (skb_copy_bits(skb, off + 236, &magic, sizeof(magic)) ||
	    magic != htonl(DHCP_MAGIC))
		return false;
	return netagent_dhcp_opts(skb, off + NETAGENT_BOOTP_OPTS, end, ack);
}

static bool netagent_policy_has(const struct netagent_policy *pol,
				const struct netagent_addr *a)
{
	if (a->family == AF_INET)
		return netagent_policy_has_v4(pol, a->v4.addr);
	return netagent_policy_has_v6(pol, &a->v6);
}

static bool netagent_addr_same(const struct netagent_addr *a,
			       const struct netagent_addr *b)
{
	if (a->family != b->family)
		return false;
	if (a->family == AF_INET)
		return a->v4.addr == b->v4.addr;
	return ipv6_addr_equal(&a->v6, &b->v6);
}

/* Is @a allowed on another port of the netns? (RCU) */
static bool netagent_bound_elsewhere(struct netagent_port *port,
				     const struct netagent_addr *a)
{
	struct netagent_port *other;
	unsigned long idx;

	xa_for_each(&port->nn->ports, idx, other) {
		if (other != port &&
		    netagent_policy_has(rcu_dereference(other->policy), a))
			return true;
	}
	return false;
}

/* Bind @na (family and address set) to @port for @lease seconds. */
static void netagent_learn(struct netagent_port *port, struct netagent_addr *na,
			   u32 lease)
{
	struct netagent_policy *pol, *new;
	struct netagent_addr *a;
	unsigned int i;

	na->learned = true;
	na->expires = jiffies + min(lease, NETAGENT_MAX_LEASE) * HZ;
	spin_lock(&port->lock);
	pol = rcu_dereference_protected(port->policy,
					lockdep_is_held(&port->lock));
	if (port->dead || pol->mode != NETAGENT_MODE_LEARN)
		goto out_unlock;
	for (i = 0; i < pol->n_addrs; i++) {
		a = &pol->addrs[i];
		if (a->learned && netagent_addr_same(a, na)) {
			WRITE_ONCE(a->expires, na->expires);
			netagent_event_binding(port, a, NETAGENT_BINDING_REFRESHED,
					       GFP_ATOMIC);
			goto out_unlock;
		}
	}
	if (netagent_policy_has(pol, na))
		goto out_unlock;	/* configured already */
	if (netagent_bound_elsewhere(port, na)) {
		net_info_ratelimited("%s: address bound to another port, not learned\n",
				     port->dev->name);
		goto out_unlock;
	}
	if (pol->n_addrs >= NETAGENT_MAX_ADDRS)
		goto out_unlock;
	new = netagent_policy_dup(pol, pol->n_addrs + 1, GFP_ATOMIC);
	if (!new)
		goto out_unlock;
	new->addrs[pol->n_addrs] = *na;
	rcu_assign_pointer(port->policy, new);
	kfree_rcu(pol, rcu);
	netagent_event_binding(port, na, NETAGENT_BINDING_LEARNED, GFP_ATOMIC);
	queue_delayed_work(system_wq, &port->nn->gc, HZ);
out_unlock:
	spin_unlock(&port->lock);
}

static void netagent_learn_v4(struct netagent_port *port,
			      const struct netagent_dhcp_ack *ack)
{
	struct netagent_addr na = {
		.family = AF_INET,
		.plen = 32,
		.v4.addr = ack->yiaddr,
		.v4.mask = htonl(~0U),
	};

	netagent_learn(port, &na, ack->lease);
}

/* Learn the IAADDRs of the IA_NA option at @off (DHCPv6 REPLY). */
static void netagent_learn_ia_na(struct netagent_port *port,
				 struct sk_buff *skb, unsigned int off,
				 unsigned int end)
{
	struct netagent_addr na = { .family = AF_INET6, .plen = 128 };
	u8 _o[4 + 16 + 8];
	unsigned int i, len;
	const u8 *o;

	off += 4 + 12;			/* code, len, IAID, T1, T2 */
	for (i = 0; i < 16 && off + 4 <= end; i++) {
		o = skb_header_pointer(skb, off, 4, _o);
		if (!o)
			return;
		len = get_unaligned_be16(o + 2);
		if (off + 4 + len > end)
			return;
		if (get_unaligned_be16(o) == DHCPV6_OPT_IAADDR && len >= 24) {
			o = skb_header_pointer(skb, off, sizeof(_o), _o);
			if (!o)
				return;
			memcpy(&na.v6, o + 4, sizeof(na.v6));
			if (get_unaligned_be32(o + 24) &&
			    !ipv6_addr_is_multicast(&na.v6) &&
			    !ipv6_addr_any(&na.v6))
				netagent_learn(port, &na, get_unaligned_be32(o + 24));
		}
		off += 4 + len;
	}
}

/* Learn from a DHCPv6 REPLY (at egress: skb->data = Ethernet header). */
static void netagent_learn_dhcpv6(struct netagent_port *port,
				  struct sk_buff *skb)
{
	const struct ipv6hdr *ip6h;
	const struct udphdr *uh;
	unsigned int off, end, i, len;
	struct ipv6hdr _ip6h;
	struct udphdr _uh;
	u8 _o[4];
	const u8 *o;

	ip6h = skb_header_pointer(skb, ETH_HLEN, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6 || ip6h->nexthdr != IPPROTO_UDP)
		return;
	off = ETH_HLEN + sizeof(_ip6h);
	end = off + ntohs(ip6h->payload_len);
	if (end > skb->len || end < off + sizeof(_uh) + 4)
		return;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh || uh->source != htons(547) || uh->dest != htons(546))
		return;
	off += sizeof(_uh);
	o = skb_header_pointer(skb, off, 1, _o);
	if (!o || o[0] != DHCPV6_REPLY)
		return;
	off += 4;			/* msg-type, transaction-id */
	for (i = 0; i < 32 && off + 4 <= end; i++) {
		o = skb_header_pointer(skb, off, 4, _o);
		if (!o)
			return;
		len = get_unaligned_be16(o + 2);
		if (off + 4 + len > end)
			return;
		if (get_unaligned_be16(o) == DHCPV6_OPT_IA_NA && len >= 12)
			netagent_learn_ia_na(port, skb, off, off + 4 + len);
		off += 4 + len;
	}
}

/* Egress hook of a learn-mode port (BH context). */
void netagent_learn_skb(struct netagent_port *port, struct sk_buff *skb)
{
	struct netagent_dhcp_ack ack = {};
	const struct netagent_policy *pol;

	const struct ethhdr *eth;
	struct ethhdr _eth;

	rcu_read_lock();
	pol = rcu_dereference(port->policy);
	eth = skb_header_pointer(skb, 0, sizeof(_eth), &_eth);
	if (pol->mode != NETAGENT_MODE_LEARN || !eth)
		goto out_unlock;
	if (eth->h_proto == htons(ETH_P_IP)) {
		if (netagent_parse_ack(skb, pol->mac, &ack))
			netagent_learn_v4(port, &ack);
	} else if (eth->h_proto == htons(ETH_P_IPV6) &&
		   ether_addr_equal(eth->h_dest, pol->mac)) {
		netagent_learn_dhcpv6(port, skb);
	}
out_unlock:
	rcu_read_unlock();
}

/* Drop the expired learned bindings of @port; true if some remain. */
static bool netagent_gc_port(struct netagent_port *port)
{
	struct netagent_policy *pol, *new;
	unsigned int i, j, expired = 0;
	unsigned long now = jiffies;

	lockdep_assert_held(&port->lock);
	pol = rcu_dereference_protected(port->policy,
					lockdep_is_held(&port->lock));
	for (i = 0; i < pol->n_addrs; i++)
		if (pol->addrs[i].learned &&
		    time_after_eq(now, READ_ONCE(pol->addrs[i].expires)))
			expired++;
	if (!expired)
		return netagent_policy_n_learned(pol);
	new = netagent_policy_dup(pol, pol->n_addrs - expired, GFP_ATOMIC);
	if (!new)
		return true;	/* retry later */
	for (i = 0, j = 0; i < pol->n_addrs; i++) {
		const struct netagent_addr *a = &pol->addrs[i];

		if (a->learned && time_after_eq(now, READ_ONCE(a->expires)))
			netagent_event_binding(port, a, NETAGENT_BINDING_EXPIRED,
					       GFP_ATOMIC);
		else
			new->addrs[j++] = *a;
	}
	rcu_assign_pointer(port->policy, new);
	kfree_rcu(pol, rcu);
	return netagent_policy_n_learned(new);
}

void netagent_gc_work(struct work_struct *work)
{
	struct netagent_net *nn = container_of(to_delayed_work(work),
					       struct netagent_net, gc);
	struct netagent_port *port;
	unsigned long idx;
	bool more = false;

	rcu_read_lock();
	xa_for_each(&nn->ports, idx, port) {
		spin_lock_bh(&port->lock);
		if (!port->dead && netagent_gc_port(port))
			more = true;
		spin_unlock_bh(&port->lock);
	}
	rcu_read_unlock();
	if (more)
		queue_delayed_work(system_wq, &nn->gc, HZ);
}
