// SPDX-License-Identifier: GPL-2.0
/*
 * Frame checks: one pass over a frame sent by a VM, against its port's
 * policy. Every header is read with skb_header_pointer(), so non-linear
 * and shared skbs are fine and nothing is read beyond the frame; every
 * inconsistency is a NETAGENT_REASON_MALFORMED drop.
 *
 * At netdev ingress skb->data is the L3 header (or the first in-payload
 * VLAN tag); an outer 802.1Q/802.1ad tag may already sit in skb->vlan_tci.
 */
#include <linux/if_arp.h>
#include <linux/if_vlan.h>
#include <linux/icmpv6.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>
#include <net/ipv6.h>
#include <net/ip.h>
#include <net/ndisc.h>

#include "netagent.h"

#define NETAGENT_MAX_TAGS	4	/* VLAN tags walked (allow-vlan) */
#define NETAGENT_MAX_EXTHDRS	8	/* IPv6 extension headers walked */

#define DHCP_SERVER_PORT	67
#define DHCP_CLIENT_PORT	68
#define DHCPV6_CLIENT_PORT	546
#define DHCPV6_SERVER_PORT	547

/* BOOTP fixed header up to the first 16 bytes of chaddr (RFC 2131). */
struct netagent_bootp {
	u8 op;
	u8 htype;
	u8 hlen;
	u8 hops;
	__be32 xid;
	__be16 secs;
	__be16 flags;
	__be32 ciaddr;
	__be32 yiaddr;
	__be32 siaddr;
	__be32 giaddr;
	u8 chaddr[16];
};

/* ARP for Ethernet/IPv4, the only kind a VM port may send. */
struct netagent_arp {
	struct arphdr hdr;
	u8 sha[ETH_ALEN];
	u8 spa[4];
	u8 tha[ETH_ALEN];
	u8 tpa[4];
};

static bool netagent_is_vlan_proto(__be16 proto)
{
	switch (proto) {
	case htons(ETH_P_8021Q):
	case htons(ETH_P_8021AD):
	case htons(ETH_P_QINQ1):
	case htons(ETH_P_QINQ2):
	case htons(ETH_P_QINQ3):
		return true;
	}
	return false;
}

static enum netagent_reason check_dhcp_request(const struct netagent_policy *pol,
					       struct sk_buff *skb,
					       unsigned int off)
{
	const struct netagent_bootp *bp;
	struct netagent_bootp _bp;

	bp = skb_header_pointer(skb, off, sizeof(_bp), &_bp);
	if (!bp)
		return NETAGENT_REASON_MALFORMED;
	if (bp->op != 1)			/* BOOTREPLY from a VM */
		return NETAGENT_REASON_DHCP_SERVER;
	if (bp->htype != ARPHRD_ETHER || bp->hlen != ETH_ALEN ||
	    !ether_addr_equal(bp->chaddr, pol->mac))
		return NETAGENT_REASON_DHCP_CHADDR;
	return NETAGENT_REASON_NONE;
}

static enum netagent_reason check_ipv4(const struct netagent_policy *pol,
				       struct sk_buff *skb, unsigned int off)
{
	const struct udphdr *uh = NULL;
	const struct iphdr *iph;
	unsigned int ihl, len;
	struct udphdr _uh;
	struct iphdr _iph;
	bool first, frag;

	iph = skb_header_pointer(skb, off, sizeof(_iph), &_iph);
	if (!iph || iph->version != 4 || iph->ihl < 5)
		return NETAGENT_REASON_MALFORMED;
	ihl = iph->ihl * 4;
	len = ntohs(iph->tot_len);
	if (len < ihl || len > skb->len - off)
		return NETAGENT_REASON_MALFORMED;
	first = !(iph->frag_off & htons(IP_OFFSET));
	frag = iph->frag_off & htons(IP_OFFSET | IP_MF);

	if (iph->protocol == IPPROTO_UDP && first) {
		if (len < ihl + sizeof(_uh))
			return NETAGENT_REASON_MALFORMED;
		uh = skb_header_pointer(skb, off + ihl, sizeof(_uh), &_uh);
		if (!uh)
			return NETAGENT_REASON_MALFORMED;
	}

	/* 0.0.0.0 only for a DHCP client's DISCOVER/REQUEST (RFC 2131) */
	if (!netagent_policy_has_v4(pol, iph->saddr) &&
	    (iph->saddr || !uh || frag ||
	     uh->source != htons(DHCP_CLIENT_PORT) ||
	     uh->dest != htons(DHCP_SERVER_PORT)))
		return NETAGENT_REASON_IPV4_SRC;
	if (!uh)
		return NETAGENT_REASON_NONE;

	if (uh->source == htons(DHCP_SERVER_PORT) ||
	    uh->dest == htons(DHCP_CLIENT_PORT))
		return NETAGENT_REASON_DHCP_SERVER;
	if (uh->dest == htons(DHCP_SERVER_PORT)) {
		if (frag)
			return NETAGENT_REASON_FRAGMENT;
		return check_dhcp_request(pol, skb, off + ihl + sizeof(_uh));
	}
	return NETAGENT_REASON_NONE;
}

static enum netagent_reason check_arp(const struct netagent_policy *pol,
				      struct sk_buff *skb, unsigned int off,
				      bool rarp)
{
	const struct netagent_arp *arp;
	struct netagent_arp _arp;
	__be32 spa;

	arp = skb_header_pointer(skb, off, sizeof(_arp), &_arp);
	if (!arp || arp->hdr.ar_hrd != htons(ARPHRD_ETHER) ||
	    arp->hdr.ar_pro != htons(ETH_P_IP) ||
	    arp->hdr.ar_hln != ETH_ALEN || arp->hdr.ar_pln != 4)
		return NETAGENT_REASON_MALFORMED;
	if (!ether_addr_equal(arp->sha, pol->mac))
		return NETAGENT_REASON_ARP_SHA;
	if (rarp)	/* migration announce (qemu announce-self) */
		return NETAGENT_REASON_NONE;
	memcpy(&spa, arp->spa, sizeof(spa));
	/* RFC 5227 probe: sender IP 0.0.0.0 in a request */
	if (!spa && arp->hdr.ar_op == htons(ARPOP_REQUEST))
		return NETAGENT_REASON_NONE;
	if (!netagent_policy_has_v4(pol, spa))
		return NETAGENT_REASON_ARP_SPA;
	return NETAGENT_REASON_NONE;
}

/*
 * Walk the ND options in [off, end): an option of type @type must carry
 * the port MAC. Sets *found when one is present.
 */
static enum netagent_reason check_nd_opts(const struct netagent_policy *pol,
					  struct sk_buff *skb, unsigned int off,
					  unsigned int end, u8 type,
					  enum netagent_reason reason,
					  bool *found)
{
	u8 _opt[2 + ETH_ALEN];
	const u8 *opt;
	unsigned int i;

	*found = false;
	for (i = 0; off < end; i++) {
		if (i >= 32 || end - off < 8)
			return NETAGENT_REASON_MALFORMED;
		opt = skb_header_pointer(skb, off, sizeof(_opt), _opt);
		if (!opt || !opt[1] || opt[1] * 8 > end - off)
			return NETAGENT_REASON_MALFORMED;
		if (opt[0] == type) {
			*found = true;
			if (opt[1] != 1 || !ether_addr_equal(opt + 2, pol->mac))
				return reason;
		}
		off += opt[1] * 8;
	}
	return NETAGENT_REASON_NONE;
}

struct netagent_ip6 {
	const struct ipv6hdr *ip6h;
	unsigned int end;	/* end of the IPv6 payload */
	unsigned int upper;	/* offset of the upper-layer header */
	u8 nexthdr;		/* upper-layer protocol */
	bool frag;		/* first fragment (or atomic fragment) */
	bool later_frag;	/* non-first fragment: upper layer unknown */
	bool any_src;		/* source is :: */
};

static enum netagent_reason check_icmpv6(const struct netagent_policy *pol,
					 struct sk_buff *skb,
					 const struct netagent_ip6 *p)
{
	enum netagent_reason r = NETAGENT_REASON_NONE;
	const struct icmp6hdr *ih;
	struct in6_addr _tgt;
	const struct in6_addr *tgt;
	struct icmp6hdr _ih;
	bool slla, tlla;

	if (p->end - p->upper < sizeof(_ih))
		return p->frag ? NETAGENT_REASON_FRAGMENT : NETAGENT_REASON_MALFORMED;
	ih = skb_header_pointer(skb, p->upper, sizeof(_ih), &_ih);
	if (!ih)
		return NETAGENT_REASON_MALFORMED;

	switch (ih->icmp6_type) {
	case NDISC_ROUTER_SOLICITATION:
	case NDISC_ROUTER_ADVERTISEMENT:
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
	case NDISC_REDIRECT:
		if (p->frag)			/* RFC 6980 */
			return NETAGENT_REASON_FRAGMENT;
		break;
	}
	if (ih->icmp6_type == NDISC_ROUTER_ADVERTISEMENT)
		return NETAGENT_REASON_RA;
	if (ih->icmp6_type == NDISC_REDIRECT)
		return NETAGENT_REASON_REDIRECT;

	/* :: only for DAD and MLD reports, to link-scope multicast */
	if (p->any_src) {
		if (!ipv6_addr_is_multicast(&p->ip6h->daddr) ||
		    IPV6_ADDR_MC_SCOPE(&p->ip6h->daddr) != IPV6_ADDR_SCOPE_LINKLOCAL)
			return NETAGENT_REASON_IPV6_SRC;
		switch (ih->icmp6_type) {
		case NDISC_NEIGHBOUR_SOLICITATION:
		case ICMPV6_MGM_REPORT:
		case ICMPV6_MLD2_REPORT:
			break;
		default:
			return NETAGENT_REASON_IPV6_SRC;
		}
	}

	switch (ih->icmp6_type) {
	case NDISC_ROUTER_SOLICITATION:
		return check_nd_opts(pol, skb, p->upper + sizeof(_ih), p->end,
				     ND_OPT_SOURCE_LL_ADDR,
				     NETAGENT_REASON_ND_SLLA, &slla);
	case NDISC_NEIGHBOUR_SOLICITATION:
	case NDISC_NEIGHBOUR_ADVERTISEMENT:
		if (p->end - p->upper < sizeof(_ih) + sizeof(_tgt))
			return NETAGENT_REASON_MALFORMED;
		tgt = skb_header_pointer(skb, p->upper + sizeof(_ih),
					 sizeof(_tgt), &_tgt);
		if (!tgt)
			return NETAGENT_REASON_MALFORMED;
		break;
	default:
		return NETAGENT_REASON_NONE;
	}

	if (ih->icmp6_type == NDISC_NEIGHBOUR_SOLICITATION) {
		r = check_nd_opts(pol, skb, p->upper + sizeof(_ih) + sizeof(_tgt),
				  p->end, ND_OPT_SOURCE_LL_ADDR,
				  NETAGENT_REASON_ND_SLLA, &slla);
		if (r)
			return r;
		/* DAD: only for own addresses, never with an SLLA option */
		if (p->any_src && slla)
			return NETAGENT_REASON_ND_SLLA;
		if (p->any_src && !netagent_policy_has_v6(pol, tgt))
			return NETAGENT_REASON_ND_TARGET;
		return NETAGENT_REASON_NONE;
	}
	if (!netagent_policy_has_v6(pol, tgt))
		return NETAGENT_REASON_ND_TARGET;
	return check_nd_opts(pol, skb, p->upper + sizeof(_ih) + sizeof(_tgt),
			     p->end, ND_OPT_TARGET_LL_ADDR,
			     NETAGENT_REASON_ND_TLLA, &tlla);
}

static enum netagent_reason check_udp6(struct sk_buff *skb,
				       const struct netagent_ip6 *p)
{
	const struct udphdr *uh;
	struct udphdr _uh;
	u8 _type;
	const u8 *type;

	if (p->end - p->upper < sizeof(_uh))
		return p->frag ? NETAGENT_REASON_FRAGMENT : NETAGENT_REASON_MALFORMED;
	uh = skb_header_pointer(skb, p->upper, sizeof(_uh), &_uh);
	if (!uh)
		return NETAGENT_REASON_MALFORMED;
	if (uh->source == htons(DHCPV6_SERVER_PORT) ||
	    uh->dest == htons(DHCPV6_CLIENT_PORT))
		return NETAGENT_REASON_DHCPV6_SERVER;
	if (uh->dest != htons(DHCPV6_SERVER_PORT))
		return NETAGENT_REASON_NONE;
	if (p->frag)
		return NETAGENT_REASON_FRAGMENT;
	if (p->end - p->upper < sizeof(_uh) + 1)
		return NETAGENT_REASON_MALFORMED;
	type = skb_header_pointer(skb, p->upper + sizeof(_uh), 1, &_type);
	if (!type)
		return NETAGENT_REASON_MALFORMED;
	switch (*type) {
	case 2:		/* ADVERTISE */
	case 7:		/* REPLY */
	case 10:	/* RECONFIGURE */
	case 12:	/* RELAY-FORW */
	case 13:	/* RELAY-REPL */
		return NETAGENT_REASON_DHCPV6_SERVER;
	}
	return NETAGENT_REASON_NONE;
}

/* Walk the extension headers up to the upper-layer header. */
static enum netagent_reason walk_ipv6(struct sk_buff *skb, unsigned int off,
				      struct netagent_ip6 *p)
{
	unsigned int hoff = off + sizeof(struct ipv6hdr), i, hlen;
	u8 _eh[8];
	const u8 *eh;
	u8 nexthdr = p->ip6h->nexthdr;

	for (i = 0; i <= NETAGENT_MAX_EXTHDRS; i++) {
		switch (nexthdr) {
		case NEXTHDR_HOP:
		case NEXTHDR_ROUTING:
		case NEXTHDR_DEST:
		case NEXTHDR_AUTH:
		case NEXTHDR_FRAGMENT:
			break;
		default:
			p->nexthdr = nexthdr;
			p->upper = hoff;
			return NETAGENT_REASON_NONE;
		}
		/* RFC 7112: the first fragment holds the whole chain */
		if (p->end - hoff < sizeof(_eh))
			return p->frag ? NETAGENT_REASON_FRAGMENT :
					 NETAGENT_REASON_MALFORMED;
		eh = skb_header_pointer(skb, hoff, sizeof(_eh), _eh);
		if (!eh)
			return NETAGENT_REASON_MALFORMED;
		if (nexthdr == NEXTHDR_FRAGMENT) {
			const struct frag_hdr *fh = (const struct frag_hdr *)eh;

			if (fh->frag_off & htons(IP6_OFFSET)) {
				p->later_frag = true;
				return NETAGENT_REASON_NONE;
			}
			p->frag = true;
			hlen = sizeof(*fh);
		} else if (nexthdr == NEXTHDR_AUTH) {
			hlen = (eh[1] + 2) * 4;
		} else {
			hlen = (eh[1] + 1) * 8;
		}
		if (hlen > p->end - hoff)
			return p->frag ? NETAGENT_REASON_FRAGMENT :
					 NETAGENT_REASON_MALFORMED;
		nexthdr = eh[0];
		hoff += hlen;
	}
	return NETAGENT_REASON_MALFORMED;
}

static enum netagent_reason check_ipv6(const struct netagent_policy *pol,
				       struct sk_buff *skb, unsigned int off)
{
	struct netagent_ip6 p = {};
	enum netagent_reason r;
	struct ipv6hdr _ip6h;
	unsigned int plen;

	p.ip6h = skb_header_pointer(skb, off, sizeof(_ip6h), &_ip6h);
	if (!p.ip6h || p.ip6h->version != 6)
		return NETAGENT_REASON_MALFORMED;
	plen = ntohs(p.ip6h->payload_len);
	/* no jumbograms on a VM port */
	if (!plen || plen > skb->len - off - sizeof(_ip6h))
		return NETAGENT_REASON_MALFORMED;
	p.end = off + sizeof(_ip6h) + plen;
	r = walk_ipv6(skb, off, &p);
	if (r)
		return r;

	p.any_src = ipv6_addr_any(&p.ip6h->saddr);
	if (p.later_frag || p.nexthdr != IPPROTO_ICMPV6) {
		if (!netagent_policy_has_v6(pol, &p.ip6h->saddr))
			return NETAGENT_REASON_IPV6_SRC;
		if (!p.later_frag && p.nexthdr == IPPROTO_UDP)
			return check_udp6(skb, &p);
		return NETAGENT_REASON_NONE;
	}
	if (!p.any_src && !netagent_policy_has_v6(pol, &p.ip6h->saddr)) {
		/* RA/redirect are counted as such whatever their source */
		r = check_icmpv6(pol, skb, &p);
		return r == NETAGENT_REASON_RA || r == NETAGENT_REASON_REDIRECT ||
		       r == NETAGENT_REASON_FRAGMENT ? r : NETAGENT_REASON_IPV6_SRC;
	}
	return check_icmpv6(pol, skb, &p);
}

/**
 * netagent_check() - check a frame received from a VM on its port
 * @pol: the port's policy
 * @skb: the frame, at netdev ingress
 *
 * Return: NETAGENT_REASON_NONE if the frame may pass, else why not.
 */
enum netagent_reason netagent_check(const struct netagent_policy *pol,
				    struct sk_buff *skb)
{
	const struct ethhdr *eth;
	__be16 proto = skb->protocol;
	const struct vlan_hdr *vh;
	unsigned int off = 0, tags;
	struct vlan_hdr _vh;

	if (unlikely(!skb_mac_header_was_set(skb) ||
		     skb->data - skb_mac_header(skb) < ETH_HLEN))
		return NETAGENT_REASON_MALFORMED;
	eth = eth_hdr(skb);
	if (unlikely(!is_valid_ether_addr(eth->h_source)))
		return NETAGENT_REASON_ETH_SRC_INVALID;
	if (unlikely(!ether_addr_equal(eth->h_source, pol->mac)))
		return NETAGENT_REASON_ETH_SRC;

	tags = skb_vlan_tag_present(skb);
	if (unlikely(tags || netagent_is_vlan_proto(proto))) {
		if (!pol->allow_vlan)
			return NETAGENT_REASON_VLAN;
		/* checked on the innermost frame */
		while (netagent_is_vlan_proto(proto)) {
			if (++tags > NETAGENT_MAX_TAGS)
				return NETAGENT_REASON_MALFORMED;
			vh = skb_header_pointer(skb, off, sizeof(_vh), &_vh);
			if (!vh)
				return NETAGENT_REASON_MALFORMED;
			proto = vh->h_vlan_encapsulated_proto;
			off += sizeof(_vh);
		}
	}

	switch (proto) {
	case htons(ETH_P_IP):
		return check_ipv4(pol, skb, off);
	case htons(ETH_P_IPV6):
		return check_ipv6(pol, skb, off);
	case htons(ETH_P_ARP):
		return check_arp(pol, skb, off, false);
	case htons(ETH_P_RARP):
		return check_arp(pol, skb, off, true);
	}
	if (netagent_policy_has_ethertype(pol, proto))
		return NETAGENT_REASON_NONE;
	return NETAGENT_REASON_ETHERTYPE;
}
