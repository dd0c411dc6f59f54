// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: ICMP errors about tracked connections, both ways.
 *
 * gateway, from the client side: an error about a reply (quoting
 *   vip:vport -> cip:cport) goes to the VM: outer destination and quoted
 *   source become vmip:vmport, then it is tunnelled like data;
 * gateway, tunnelled from a host: an error about a request (quoting
 *   cip:cport -> vmip:vmport) goes to the client: outer source and quoted
 *   destination become vip:vport;
 * host: an error from the VM about a tunnelled flow goes back through the
 *   tunnel to the flow's gateway.
 * Errors the gateway sends itself (fragmentation needed) are in xmit.c.
 */
#include <linux/icmp.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/checksum.h>
#include <net/ip.h>
#include <net/route.h>

#include "tgw.h"

static bool tgw_icmp_is_error(u8 type)
{
	return type == ICMP_DEST_UNREACH || type == ICMP_TIME_EXCEEDED ||
	       type == ICMP_PARAMETERPROB || type == ICMP_SOURCE_QUENCH;
}

/* Parse an ICMP error at the network header; 0 if it quotes TCP or UDP. */
int tgw_icmp_parse(struct sk_buff *skb, struct tgw_icmp *ic)
{
	const struct iphdr *iph = ip_hdr(skb), *q;
	struct icmphdr _ih, *ih;
	struct iphdr _q;
	__be16 _p[2], *p;

	if (ip_is_fragment(iph))
		return -EINVAL;
	ic->icmpoff = ip_hdrlen(skb);
	ih = skb_header_pointer(skb, ic->icmpoff, sizeof(_ih), &_ih);
	if (!ih || !tgw_icmp_is_error(ih->type))
		return -EPROTONOSUPPORT;
	ic->qoff = ic->icmpoff + sizeof(*ih);
	q = skb_header_pointer(skb, ic->qoff, sizeof(_q), &_q);
	if (!q || q->version != 4 || q->ihl < 5 ||
	    q->frag_off & htons(IP_OFFSET))
		return -EINVAL;
	if (q->protocol != IPPROTO_TCP && q->protocol != IPPROTO_UDP)
		return -EPROTONOSUPPORT;
	ic->qthoff = ic->qoff + q->ihl * 4;
	p = skb_header_pointer(skb, ic->qthoff, sizeof(_p), &_p);
	if (!p)
		return -EINVAL;
	memset(&ic->q, 0, sizeof(ic->q));
	ic->q.saddr = q->saddr;
	ic->q.daddr = q->daddr;
	ic->q.sport = p[0];
	ic->q.dport = p[1];
	ic->q.proto = q->protocol;
	return 0;
}

/* Checksum field of the quoted L4 header, if it was quoted. */
static __sum16 *tgw_icmp_l4sum(struct sk_buff *skb, const struct tgw_icmp *ic)
{
	unsigned int off = ic->q.proto == IPPROTO_TCP ?
			   offsetof(struct tcphdr, check) :
			   offsetof(struct udphdr, check);

	if (ic->qthoff + off + sizeof(__sum16) > skb->len)
		return NULL;
	return (__sum16 *)(skb_network_header(skb) + ic->qthoff + off);
}

/*
 * Rewrite the outer destination (@outer_dst) or source to @outer, and the
 * quoted source (@q_src) or destination to @qaddr:@qport; fix all the
 * checksums. The packet is small: make all of it writable.
 */
int tgw_icmp_xlate(struct sk_buff *skb, const struct tgw_icmp *ic,
		   bool outer_dst, __be32 outer, bool q_src, __be32 qaddr,
		   __be16 qport)
{
	struct iphdr *iph, *q;
	struct icmphdr *ih;
	__be32 *oa, *qa;
	__be16 *qp;
	__sum16 *l4sum;

	if (skb_ensure_writable(skb, skb->len))
		return -ENOMEM;
	iph = ip_hdr(skb);
	ih = (struct icmphdr *)(skb_network_header(skb) + ic->icmpoff);
	q = (struct iphdr *)(skb_network_header(skb) + ic->qoff);
	qp = (__be16 *)(skb_network_header(skb) + ic->qthoff) + !q_src;
	qa = q_src ? &q->saddr : &q->daddr;
	oa = outer_dst ? &iph->daddr : &iph->saddr;

	l4sum = tgw_icmp_l4sum(skb, ic);
	if (l4sum && (ic->q.proto == IPPROTO_TCP || *l4sum)) {
		csum_replace4(l4sum, *qa, qaddr);
		csum_replace2(l4sum, *qp, qport);
	}
	csum_replace4(&q->check, *qa, qaddr);
	*qa = qaddr;
	*qp = qport;
	csum_replace4(&iph->check, *oa, outer);
	*oa = outer;

	ih->checksum = 0;
	ih->checksum = csum_fold(skb_checksum(skb, ic->icmpoff,
					      skb->len - ic->icmpoff, 0));
	skb->ip_summed = CHECKSUM_NONE;
	return 0;
}

/*
 * Fragmentation needed, sent to our tunnel address by a router between
 * gateway and host about one of our IPIP packets: learn the path MTU of
 * the tunnel route, as an ipip device would (the stack has no handler for
 * it without one). The next packet too big for it earns its sender a
 * frag-needed with the lower MTU. The stack still sees the error.
 */
void tgw_icmp_tunnel_err(struct sk_buff *skb, __be32 tunnel_addr)
{
	unsigned int off = ip_hdrlen(skb) + sizeof(struct icmphdr);
	struct icmphdr _ih, *ih;
	struct iphdr _q, *q;
	u32 mtu;

	ih = skb_header_pointer(skb, ip_hdrlen(skb), sizeof(_ih), &_ih);
	if (!ih || ih->type != ICMP_DEST_UNREACH ||
	    ih->code != ICMP_FRAG_NEEDED)
		return;
	mtu = ntohs(ih->un.frag.mtu);
	q = skb_header_pointer(skb, off, sizeof(_q), &_q);
	if (!q || q->protocol != IPPROTO_IPIP || q->saddr != tunnel_addr ||
	    !pskb_may_pull(skb, off + sizeof(*q)))
		return;
	/* ipv4_update_pmtu() reads the quoted header at skb->data */
	__skb_pull(skb, off);
	ipv4_update_pmtu(skb, dev_net(skb->dev), mtu, 0, IPPROTO_IPIP);
	__skb_push(skb, off);
}
