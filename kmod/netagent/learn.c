// SPDX-License-Identifier: GPL-2.0
/*
 * The IP/MAC sniffer: in learn mode, DHCPv4 ACKs and DHCPv6 replies sent
 * to the VM (seen at the port's netdev egress, i.e. coming from the trusted
 * side) bind the acknowledged addresses to the port for the lease time.
 * A VM's own frames never teach anything (no TOFU, no ARP), and an address
 * allowed on another port of the netns is never taken.
 *
 * Bindings end early when the server says so (DHCPNAK to the VM: every
 * learned IPv4 binding; DHCPv6 REPLY with a valid lifetime of 0) or when
 * the VM gives its own address back (DHCPRELEASE, DHCPDECLINE, DHCPv6
 * RELEASE and DECLINE, which can only revoke this port's learned entries).
 */
#include <linux/if_vlan.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <linux/workqueue.h>
#include <net/ip.h>

#include "netagent.h"

#define DHCP_MAGIC		0x63825363
#define DHCP_OPT_PAD		0
#define DHCP_OPT_REQUESTED_IP	50
#define DHCP_OPT_LEASE		51
#define DHCP_OPT_MSGTYPE	53
#define DHCP_OPT_END		255
#define DHCPDECLINE		4
#define DHCPACK			5
#define DHCPNAK			6
#define DHCPRELEASE		7
#define NETAGENT_MAX_LEASE	(7 * 24 * 3600U)	/* longer leases: capped */
#define NETAGENT_BOOTP_OPTS	240	/* options after the magic cookie */

#define DHCPV6_CLIENT_PORT	546
#define DHCPV6_SERVER_PORT	547
#define DHCPV6_REPLY		7
#define DHCPV6_RELEASE		8
#define DHCPV6_DECLINE		9
#define DHCPV6_OPT_IA_NA	3
#define DHCPV6_OPT_IAADDR	5

/* What a DHCPv4 message says, as far as bindings are concerned. */
struct netagent_dhcp {
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 reqip;		/* option 50, requested IP address */
	u32 lease;
	u8 msgtype;
};

/* Parse the DHCP options at @off..@end: message type, lease, requested IP. */
static bool netagent_dhcp_opts(struct sk_buff *skb, unsigned int off,
			       unsigned int end, struct netagent_dhcp *d)
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
		    (o[0] == DHCP_OPT_LEASE && o[1] == 4) ||
		    (o[0] == DHCP_OPT_REQUESTED_IP && o[1] == 4)) {
			o = skb_header_pointer(skb, off, 2 + o[1], _o);
			if (!o)
				return false;
			if (o[0] == DHCP_OPT_MSGTYPE)
				d->msgtype = o[2];
			else if (o[0] == DHCP_OPT_LEASE)
				d->lease = get_unaligned_be32(o + 2);
			else
				memcpy(&d->reqip, o + 2, sizeof(d->reqip));
		}
		off += 2 + o[1];
	}
	return d->msgtype;
}

/*
 * Is @skb, its IPv4 header at @nh, a DHCPv4 message for the Ethernet
 * chaddr @mac: a BOOTREPLY from port 67 to 68 (@reply, a server's answer)
 * or a BOOTREQUEST from port 68 to 67 (the client's)? Fills @d.
 */
static bool netagent_parse_dhcp(struct sk_buff *skb, unsigned int nh,
				const u8 *mac, bool reply,
				struct netagent_dhcp *d)
{
	const struct iphdr *iph;
	const struct udphdr *uh;
	unsigned int off, end;
	struct iphdr _iph;
	struct udphdr _uh;
	u8 _bp[44];
	const u8 *bp;
	__be32 magic;

	iph = skb_header_pointer(skb, nh, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5 ||
	    iph->protocol != IPPROTO_UDP ||
	    (iph->frag_off & htons(IP_OFFSET | IP_MF)))
		return false;
	off = nh + iph->ihl * 4;
	end = nh + ntohs(iph->tot_len);
	if (end > skb->len || end < off + sizeof(_uh) + NETAGENT_BOOTP_OPTS)
		return false;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh || uh->source != htons(reply ? 67 : 68) ||
	    uh->dest != htons(reply ? 68 : 67))
		return false;
	off += sizeof(_uh);
	bp = skb_header_pointer(skb, off, sizeof(_bp), _bp);
	/* op, htype Ethernet, hlen 6, chaddr of this port */
	if (!bp || bp[0] != (reply ? 2 : 1) || bp[1] != 1 || bp[2] != ETH_ALEN ||
	    !ether_addr_equal(bp + 28, mac))
		return false;
	memcpy(&d->ciaddr, bp + 12, 4);
	memcpy(&d->yiaddr, bp + 16, 4);
	if (skb_copy_bits(skb, off + 236, &magic, sizeof(magic)) ||
	    magic != htonl(DHCP_MAGIC))
		return false;
	return netagent_dhcp_opts(skb, off + NETAGENT_BOOTP_OPTS, end, d);
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
			   u32 lease, enum netagent_binding_reason why)
{
	struct netagent_policy *pol, *new;
	struct netagent_addr *a;
	unsigned int i;
	bool live;

	na->learned = true;
	na->expires = jiffies + min(lease, NETAGENT_MAX_LEASE) * HZ;
	spin_lock_bh(&port->lock);
	pol = rcu_dereference_protected(port->policy,
					lockdep_is_held(&port->lock));
	if (port->dead || pol->mode != NETAGENT_MODE_LEARN)
		goto out_unlock;
	for (i = 0; i < pol->n_addrs; i++) {
		a = &pol->addrs[i];
		if (a->learned && netagent_addr_same(a, na)) {
			/* an expired or revoked entry not collected yet */
			live = netagent_addr_live(a);
			if (!live && netagent_bound_elsewhere(port, na))
				goto out_unlock;
			WRITE_ONCE(a->expires, na->expires);
			a->revoked = false;
			netagent_event_binding(port, a,
					       live ? NETAGENT_BINDING_REFRESHED :
						      NETAGENT_BINDING_LEARNED,
					       why, GFP_ATOMIC);
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
	netagent_event_binding(port, na, NETAGENT_BINDING_LEARNED, why,
			       GFP_ATOMIC);
	queue_delayed_work(system_wq, &port->nn->gc, HZ);
out_unlock:
	spin_unlock_bh(&port->lock);
}

/*
 * Revoke the learned binding of @port for @na (family 0: every learned
 * IPv4 binding, for a DHCPNAK) before its lease ends. Only this port's
 * learned entries are touched, never configured ones. The entry is
 * expired in place, so the data path drops its traffic from now on
 * without an allocation here; the collector removes it from the policy.
 */
static void netagent_revoke(struct netagent_port *port,
			    const struct netagent_addr *na,
			    enum netagent_binding_reason why)
{
	struct netagent_policy *pol;
	struct netagent_addr *a;
	unsigned int i, n = 0;

	spin_lock_bh(&port->lock);
	pol = rcu_dereference_protected(port->policy,
					lockdep_is_held(&port->lock));
	if (port->dead || pol->mode != NETAGENT_MODE_LEARN)
		goto out_unlock;
	for (i = 0; i < pol->n_addrs; i++) {
		a = &pol->addrs[i];
		if (!a->learned || !netagent_addr_live(a))
			continue;
		if (na->family ? !netagent_addr_same(a, na) :
				 a->family != AF_INET)
			continue;
		WRITE_ONCE(a->expires, jiffies);
		a->revoked = true;
		netagent_event_binding(port, a, NETAGENT_BINDING_RELEASED, why,
				       GFP_ATOMIC);
		n++;
	}
	if (n)
		mod_delayed_work(system_wq, &port->nn->gc, 0);
out_unlock:
	spin_unlock_bh(&port->lock);
}

static void netagent_addr_v4(struct netagent_addr *na, __be32 addr)
{
	*na = (struct netagent_addr) {
		.family = AF_INET,
		.plen = 32,
		.v4.addr = addr,
		.v4.mask = htonl(~0U),
	};
}

static bool netagent_v4_unicast(__be32 addr)
{
	return addr && !ipv4_is_multicast(addr) && !ipv4_is_lbcast(addr);
}

/* A DHCPv4 reply to the VM (at egress, @nh = ETH_HLEN): ACK or NAK. */
static void netagent_dhcp_reply(struct netagent_port *port,
				const struct netagent_policy *pol,
				struct sk_buff *skb, unsigned int nh)
{
	struct netagent_addr na = {};
	struct netagent_dhcp d = {};

	if (!netagent_parse_dhcp(skb, nh, pol->mac, true, &d))
		return;
	if (d.msgtype == DHCPACK && d.lease && netagent_v4_unicast(d.yiaddr)) {
		netagent_addr_v4(&na, d.yiaddr);
		netagent_learn(port, &na, d.lease,
			       NETAGENT_BINDING_REASON_DHCP_ACK);
	} else if (d.msgtype == DHCPNAK) {
		/* no address in a NAK (family 0): the client starts over */
		netagent_revoke(port, &na, NETAGENT_BINDING_REASON_DHCP_NAK);
	}
}

/* A DHCPv4 request from the VM (at ingress, @nh = 0): RELEASE, DECLINE. */
static void netagent_dhcp_request(struct netagent_port *port,
				  const struct netagent_policy *pol,
				  struct sk_buff *skb, unsigned int nh)
{
	struct netagent_dhcp d = {};
	struct netagent_addr na;

	if (!netagent_parse_dhcp(skb, nh, pol->mac, false, &d))
		return;
	if (d.msgtype == DHCPRELEASE && netagent_v4_unicast(d.ciaddr)) {
		netagent_addr_v4(&na, d.ciaddr);
		netagent_revoke(port, &na, NETAGENT_BINDING_REASON_DHCP_RELEASE);
	} else if (d.msgtype == DHCPDECLINE && netagent_v4_unicast(d.reqip)) {
		netagent_addr_v4(&na, d.reqip);
		netagent_revoke(port, &na, NETAGENT_BINDING_REASON_DHCP_DECLINE);
	}
}

/* One IAADDR of a DHCPv6 message of type @msgtype. */
static void netagent_dhcpv6_addr(struct netagent_port *port,
				 struct netagent_addr *na, u32 valid,
				 u8 msgtype)
{
	enum netagent_binding_reason why = NETAGENT_BINDING_REASON_DHCPV6_REPLY;

	if (ipv6_addr_is_multicast(&na->v6) || ipv6_addr_any(&na->v6))
		return;
	if (msgtype == DHCPV6_REPLY && valid) {
		netagent_learn(port, na, valid, why);
		return;
	}
	if (msgtype == DHCPV6_RELEASE)
		why = NETAGENT_BINDING_REASON_DHCPV6_RELEASE;
	else if (msgtype == DHCPV6_DECLINE)
		why = NETAGENT_BINDING_REASON_DHCPV6_DECLINE;
	netagent_revoke(port, na, why);
}

/*
 * The IAADDRs of the IA_NA option at @off..@end: a REPLY to the VM binds
 * them for their valid lifetime (0: revokes them), a RELEASE or DECLINE
 * from the VM revokes them.
 */
static void netagent_dhcpv6_ia_na(struct netagent_port *port,
				  struct sk_buff *skb, unsigned int off,
				  unsigned int end, u8 msgtype)
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
			netagent_dhcpv6_addr(port, &na, get_unaligned_be32(o + 24),
					     msgtype);
		}
		off += 4 + len;
	}
}

/*
 * A DHCPv6 message, its IPv6 header at @nh: a REPLY to the VM (at egress)
 * or a RELEASE or DECLINE from the VM (@from_vm, at ingress).
 */
static void netagent_dhcpv6(struct netagent_port *port, struct sk_buff *skb,
			    unsigned int nh, bool from_vm)
{
	u16 sport = from_vm ? DHCPV6_CLIENT_PORT : DHCPV6_SERVER_PORT;
	u16 dport = from_vm ? DHCPV6_SERVER_PORT : DHCPV6_CLIENT_PORT;
	const struct ipv6hdr *ip6h;
	unsigned int off, end, i, len;
	const struct udphdr *uh;
	struct ipv6hdr _ip6h;
	struct udphdr _uh;
	u8 _o[4], msgtype;
	const u8 *o;

	ip6h = skb_header_pointer(skb, nh, sizeof(_ip6h), &_ip6h);
	if (!ip6h || ip6h->version != 6 || ip6h->nexthdr != IPPROTO_UDP)
		return;
	off = nh + sizeof(_ip6h);
	end = off + ntohs(ip6h->payload_len);
	if (end > skb->len || end < off + sizeof(_uh) + 4)
		return;
	uh = skb_header_pointer(skb, off, sizeof(_uh), &_uh);
	if (!uh || uh->source != htons(sport) || uh->dest != htons(dport))
		return;
	off += sizeof(_uh);
	o = skb_header_pointer(skb, off, 1, _o);
	if (!o)
		return;
	msgtype = o[0];
	if (from_vm ? msgtype != DHCPV6_RELEASE && msgtype != DHCPV6_DECLINE :
		      msgtype != DHCPV6_REPLY)
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
			netagent_dhcpv6_ia_na(port, skb, off, off + 4 + len,
					      msgtype);
		off += 4 + len;
	}
}

/* Egress hook of a learn-mode port (BH context): frames to the VM. */
void netagent_learn_skb(struct netagent_port *port, struct sk_buff *skb)
{
	const struct netagent_policy *pol;
	const struct ethhdr *eth;
	struct ethhdr _eth;

	rcu_read_lock();
	pol = rcu_dereference(port->policy);
	eth = skb_header_pointer(skb, 0, sizeof(_eth), &_eth);
	if (pol->mode != NETAGENT_MODE_LEARN || !eth)
		goto out_unlock;
	if (eth->h_proto == htons(ETH_P_IP))
		netagent_dhcp_reply(port, pol, skb, ETH_HLEN);
	else if (eth->h_proto == htons(ETH_P_IPV6) &&
		 ether_addr_equal(eth->h_dest, pol->mac))
		netagent_dhcpv6(port, skb, ETH_HLEN, false);
out_unlock:
	rcu_read_unlock();
}

/*
 * Ingress hook of a learn-mode port, for a frame from the VM that passed
 * the checks (skb->data = network header, untagged only): the VM gives
 * its own addresses back.
 */
void netagent_learn_from_vm(struct netagent_port *port,
			    const struct netagent_policy *pol,
			    struct sk_buff *skb)
{
	if (skb_vlan_tag_present(skb))
		return;
	if (skb->protocol == htons(ETH_P_IP))
		netagent_dhcp_request(port, pol, skb, 0);
	else if (skb->protocol == htons(ETH_P_IPV6))
		netagent_dhcpv6(port, skb, 0, true);
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

		if (!a->learned || time_before(now, READ_ONCE(a->expires)))
			new->addrs[j++] = *a;
		else if (!a->revoked)	/* reported when revoked */
			netagent_event_binding(port, a, NETAGENT_BINDING_EXPIRED,
					       NETAGENT_BINDING_REASON_LEASE_END,
					       GFP_ATOMIC);
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
