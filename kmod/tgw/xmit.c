// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: packet rewriting and the IPIP tunnel.
 *
 * Address and port rewrites update the checksums incrementally, which is
 * right for CHECKSUM_PARTIAL (GSO) packets too. Encapsulation marks the skb
 * SKB_GSO_IPXIP4 so GSO packets cross the tunnel whole and are segmented
 * (or offloaded) on the way out; decapsulation undoes that.
 */
#include <linux/icmp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/icmp.h>
#include <net/ip.h>
#include <net/ip_tunnels.h>
#include <net/route.h>
#include <net/tcp.h>

#include "tgw.h"

/*
 * Rewrite the destination (@dst) or source address and port of an IPv4
 * TCP/UDP packet whose headers up to @thoff + L4 header are writable.
 */
int tgw_xlate_l4(struct sk_buff *skb, unsigned int thoff, u8 proto,
		 __be32 oaddr, __be32 naddr, __be16 oport, __be16 nport,
		 bool dst)
{
	struct iphdr *iph = ip_hdr(skb);
	void *l4 = skb_network_header(skb) + thoff;

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;

		inet_proto_csum_replace4(&th->check, skb, oaddr, naddr, true);
		inet_proto_csum_replace2(&th->check, skb, oport, nport, false);
		if (dst)
			th->dest = nport;
		else
			th->source = nport;
	} else {
		struct udphdr *uh = l4;

		if (uh->check || skb->ip_summed == CHECKSUM_PARTIAL) {
			inet_proto_csum_replace4(&uh->check, skb, oaddr, naddr,
						 true);
			inet_proto_csum_replace2(&uh->check, skb, oport, nport,
						 false);
			if (!uh->check)
				uh->check = CSUM_MANGLED_0;
		}
		if (dst)
			uh->dest = nport;
		else
			uh->source = nport;
	}
	csum_replace4(&iph->check, oaddr, naddr);
	if (dst)
		iph->daddr = naddr;
	else
		iph->saddr = naddr;
	return 0;
}

/* Lower the MSS option of a SYN to @mss; headers must be writable. */
void tgw_mss_clamp(struct sk_buff *skb, unsigned int thoff, u16 mss)
{
	struct tcphdr *th = (void *)(skb_network_header(skb) + thoff);
	unsigned int optlen = th->doff * 4 - sizeof(*th), i = 0;
	u8 *opt = (u8 *)(th + 1);

	while (i < optlen) {
		u8 kind = opt[i], len;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen)
			break;
		len = opt[i + 1];
		if (len < 2 || i + len > optlen)
			break;
		if (kind == TCPOPT_MSS && len == TCPOLEN_MSS) {
			__be16 *p = (__be16 *)&opt[i + 2];
			__be16 old = *p;

			if (get_unaligned_be16(p) <= mss)
				return;
			put_unaligned_be16(mss, p);
			inet_proto_csum_replace2(&th->check, skb, old,
						 get_unaligned(p), false);
			return;
		}
		i += len;
	}
}

struct rtable *tgw_route(struct net *net, __be32 saddr, __be32 daddr,
			 u8 proto, bool anysrc)
{
	struct flowi4 fl4 = {
		.daddr = daddr,
		.saddr = saddr,
		.flowi4_proto = proto,
		.flowi4_flags = anysrc ? FLOWI_FLAG_ANYSRC : 0,
	};
	struct rtable *rt;

	rt = ip_route_output_key(net, &fl4);
	if (IS_ERR(rt))
		return NULL;
	if (rt->rt_type != RTN_UNICAST) {
		ip_rt_put(rt);
		return NULL;
	}
	return rt;
}

/* Prepare a rewritten packet for the output path. */
static void tgw_scrub(struct sk_buff *skb)
{
	nf_reset_ct(skb);
	skb_dst_drop(skb);
	skb_forward_csum(skb);
	skb_clear_tstamp(skb);
}

/*
 * Wrap @skb (an IPv4 packet at its network header) in saddr -> daddr IPIP
 * and send it on @rt. Consumes @skb and the route reference.
 */
int tgw_encap_xmit(struct net *net, struct sk_buff *skb, __be32 saddr,
		   __be32 daddr, struct rtable *rt)
{
	unsigned int hroom = LL_RESERVED_SPACE(rt->dst.dev) +
			     sizeof(struct iphdr);
	const struct iphdr *inner = ip_hdr(skb);
	__be16 df = inner->frag_off & htons(IP_DF);
	u8 tos = inner->tos;
	struct iphdr *iph;

	tgw_scrub(skb);
	if (skb_cow_head(skb, hroom) ||
	    iptunnel_handle_offloads(skb, SKB_GSO_IPXIP4))
		goto out_drop;
	skb->transport_header = skb->network_header;
	skb_set_inner_ipproto(skb, IPPROTO_IPIP);

	skb_push(skb, sizeof(*iph));
	skb_reset_network_header(skb);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	iph = ip_hdr(skb);
	iph->version = 4;
	iph->ihl = sizeof(*iph) >> 2;
	iph->tos = tos;
	iph->frag_off = df;
	iph->ttl = ip4_dst_hoplimit(&rt->dst);
	iph->protocol = IPPROTO_IPIP;
	iph->saddr = saddr;
	iph->daddr = daddr;
	ip_select_ident(net, skb, NULL);
	skb->protocol = htons(ETH_P_IP);
	/* DF packets were checked against the MTU; let others fragment. */
	skb->ignore_df = 1;
	skb_dst_set(skb, &rt->dst);
	return ip_local_out(net, NULL, skb);

out_drop:
	ip_rt_put(rt);
	kfree_skb(skb);
	return -ENOMEM;
}

/* Send a rewritten (not encapsulated) packet on @rt. Consumes both. */
int tgw_plain_xmit(struct net *net, struct sk_buff *skb, struct rtable *rt)
{
	tgw_scrub(skb);
	memset(IPCB(skb), 0, sizeof(*IPCB(skb)));
	skb->ignore_df = 0;
	skb_dst_set(skb, &rt->dst);
	return ip_local_out(net, NULL, skb);
}

/*
 * Strip the outer IPv4 header of an IPIP packet at its network header and
 * check the inner one. Returns 0 with the inner header as network header,
 * or a negative errno (the caller drops the packet).
 */
int tgw_decap(struct sk_buff *skb)
{
	const struct iphdr *iph;
	unsigned int ihl, len;
	int err;

	err = iptunnel_pull_header(skb, ip_hdrlen(skb), htons(ETH_P_IP),
				   false);
	if (err)
		return err;
	skb_reset_network_header(skb);
	if (!pskb_may_pull(skb, sizeof(*iph)))
		return -EINVAL;
	iph = ip_hdr(skb);
	ihl = iph->ihl * 4;
	if (iph->version != 4 || ihl < sizeof(*iph) ||
	    !pskb_may_pull(skb, ihl))
		return -EINVAL;
	iph = ip_hdr(skb);
	len = ntohs(iph->tot_len);
	if (ip_fast_csum((const u8 *)iph, iph->ihl) || len < ihl ||
	    len > skb->len)
		return -EINVAL;
	if (pskb_trim_rcsum(skb, len))
		return -ENOMEM;
	skb_set_transport_header(skb, ihl);
	memset(&IPCB(skb)->opt, 0, sizeof(IPCB(skb)->opt));
	return 0;
}

/*
 * Tell the sender of @skb (as received, in PRE_ROUTING, no dst yet) that it
 * must fit @mtu. icmp_send() wants a route on the skb only to find the
 * namespace and pick a source address; a route back to the sender does,
 * whether or not the destination (a VIP) is routable here.
 */
void tgw_send_frag_needed(struct sk_buff *skb, unsigned int mtu)
{
	const struct iphdr *iph = ip_hdr(skb);
	struct rtable *rt;

	if (!skb_dst(skb)) {
		rt = tgw_route(dev_net(skb->dev), 0, iph->saddr, IPPROTO_ICMP,
			       false);
		if (!rt)
			return;
		skb_dst_set(skb, &rt->dst);
	}
	icmp_send(skb, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, htonl(mtu));
}
