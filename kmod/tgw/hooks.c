// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: the datapath, one netfilter hook early in PRE_ROUTING (right after
 * defragmentation, before conntrack).
 *
 * gateway (tgwip):
 *   cip:cport -> vip:vport            find/create conn, DNAT to
 *                                     vmip:vmport, IPIP tgwip -> hostip
 *   IPIP hostip -> tgwip              decap, find conn by the VM tuple,
 *     vmip:vmport -> cip:cport        SNAT to vip:vport, route to client
 * host (hostip):
 *   IPIP tgwip -> hostip              decap, remember flow -> tgwip, let
 *     cip:cport -> vmip:vmport        the stack route it to the VM
 *   vmip:vmport -> cip:cport          known flow: IPIP hostip -> tgwip
 */
#include <linux/netfilter.h>
#include <net/gso.h>
#include <linux/netfilter_ipv4.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <net/ip.h>
#include <net/route.h>

#include "tgw.h"

#define TGW_HOOK_PRIORITY	(NF_IP_PRI_CONNTRACK_DEFRAG + 1)
#define TGW_TCP_OVERHEAD	(sizeof(struct iphdr) + sizeof(struct tcphdr))

struct tgw_pkt {
	struct tgw_tuple t;
	unsigned int thoff;	/* L4 header offset from the network header */
	unsigned int l4len;	/* L4 header length to make writable */
	struct tcphdr th;	/* copy of the TCP header (flags) */
};

static int tgw_parse(struct sk_buff *skb, struct tgw_pkt *p)
{
	const struct iphdr *iph = ip_hdr(skb);

	memset(&p->t, 0, sizeof(p->t));
	p->t.saddr = iph->saddr;
	p->t.daddr = iph->daddr;
	p->t.proto = iph->protocol;
	p->thoff = ip_hdrlen(skb);
	if (ip_is_fragment(iph))
		return -EOPNOTSUPP;
	if (iph->protocol == IPPROTO_TCP) {
		const struct tcphdr *th;

		th = skb_header_pointer(skb, p->thoff, sizeof(p->th), &p->th);
		if (!th || th->doff < sizeof(*th) / 4)
			return -EINVAL;
		if (th != &p->th)
			p->th = *th;
		p->l4len = th->doff * 4;
		if (p->thoff + p->l4len > skb->len)
			return -EINVAL;
		p->t.sport = th->source;
		p->t.dport = th->dest;
		return 0;
	}
	if (iph->protocol == IPPROTO_UDP) {
		struct udphdr _uh;
		const struct udphdr *uh;

		uh = skb_header_pointer(skb, p->thoff, sizeof(_uh), &_uh);
		if (!uh)
			return -EINVAL;
		p->l4len = sizeof(*uh);
		p->t.sport = uh->source;
		p->t.dport = uh->dest;
		return 0;
	}
	return -EPROTONOSUPPORT;
}

static void tgw_reverse(const struct tgw_tuple *t, struct tgw_tuple *r)
{
	memset(r, 0, sizeof(*r));
	r->saddr = t->daddr;
	r->daddr = t->saddr;
	r->sport = t->dport;
	r->dport = t->sport;
	r->proto = t->proto;
}

static unsigned int tgw_drop(struct tgw_net *tn, struct tgw_dest *d,
			     struct tgw_service *svc, enum tgw_drop why)
{
	tgw_stats_drop(tn->stats, why);
	if (svc)
		tgw_stats_drop(svc->stats, why);
	if (d)
		tgw_stats_drop(d->stats, why);
	return NF_DROP;
}

static void tgw_count(struct tgw_net *tn, struct tgw_dest *d,
		      enum tgw_dir dir, unsigned int len)
{
	tgw_stats_pkt(tn->stats, dir, len);
	if (d) {
		tgw_stats_pkt(d->svc->stats, dir, len);
		tgw_stats_pkt(d->stats, dir, len);
	}
}

/* A new SYN on a closing conn starts a new connection (port reuse). */
static bool tgw_tcp_reuse(const struct tgw_conn *c, const struct tcphdr *th)
{
	u8 state = READ_ONCE(c->state);

	return th->syn && !th->ack &&
	       (state == TGW_STATE_FIN_WAIT || state == TGW_STATE_TIME_WAIT ||
		state == TGW_STATE_CLOSE);
}

static void tgw_track(struct tgw_net *tn, struct tgw_conn *c,
		      enum tgw_dir dir, const struct tgw_pkt *p)
{
	if (unlikely(READ_ONCE(c->flags) & TGW_CONN_F_SYNCED))
		tgw_conn_adopt(tn, c);
	if (p->t.proto == IPPROTO_TCP) {
		tgw_tcp_track(tn, c, dir, &p->th);
		return;
	}
	if (dir == TGW_DIR_OUT)
		tgw_conn_confirm(tn, c);
	tgw_conn_touch(tn, c);
}

/* Initial state and flags of a conn created by the packet @p. */
static int tgw_initial_state(const struct tgw_pkt *p, u8 *state, u8 *flags)
{
	bool fallback = false;

	*flags = 0;
	*state = TGW_STATE_UDP;
	if (p->t.proto == IPPROTO_TCP) {
		*state = tgw_tcp_initial_state(&p->th, &fallback);
		if (*state == TGW_STATE_NONE)
			return -ENOENT;
		if (fallback)
			*flags = TGW_CONN_F_FALLBACK;
	}
	return 0;
}

/* The packet must fit the tunnel MTU unless it may be fragmented. */
static bool tgw_too_big(const struct sk_buff *skb, unsigned int mtu)
{
	if (!(ip_hdr(skb)->frag_off & htons(IP_DF)) || skb->len <= mtu)
		return false;
	return !skb_is_gso(skb) || !skb_gso_validate_network_len(skb, mtu);
}

static unsigned int tgw_clamp_mss(const struct tgw_service *svc,
				  unsigned int mtu)
{
	u16 mss = svc ? READ_ONCE(svc->mss) : 0;

	/* An explicit value wins, even above the path (PMTU tests). */
	return mss ?: mtu - TGW_TCP_OVERHEAD;
}

/* ---- gateway ----------------------------------------------------------- */

/* Route to the conn's host, check the MTU, encapsulate: the in path. */
static unsigned int tgw_gw_to_host(struct tgw_net *tn,
				   const struct tgw_role_cfg *cfg,
				   struct tgw_conn *c, struct sk_buff *skb,
				   struct rtable *rt)
{
	tgw_count(tn, c->dest, TGW_DIR_IN, skb->len);
	tgw_encap_xmit(dev_net(skb->dev), skb, cfg->addr, c->peer, rt);
	return NF_STOLEN;
}

/* An ICMP error from the client side about a reply: send it to the VM. */
static unsigned int tgw_gw_icmp_in(struct tgw_net *tn,
				   const struct tgw_role_cfg *cfg,
				   struct sk_buff *skb)
{
	struct tgw_tuple t = {};
	struct tgw_icmp ic;
	struct tgw_conn *c;
	struct tgw_dest *d;
	struct rtable *rt;

	if (tgw_icmp_parse(skb, &ic))
		return NF_ACCEPT;
	/* quoted: vip:vport -> cip:cport */
	t.saddr = ic.q.daddr;
	t.daddr = ic.q.saddr;
	t.sport = ic.q.dport;
	t.dport = ic.q.sport;
	t.proto = ic.q.proto;
	c = tgw_conn_lookup(tn, TGW_DIR_IN, &t);
	if (!c || !c->dest)
		return NF_ACCEPT;
	d = c->dest;
	if (ip_hdr(skb)->ttl <= 1)
		return tgw_drop(tn, d, d->svc, TGW_DROP_TTL);
	rt = tgw_route(dev_net(skb->dev), cfg->addr, c->peer, IPPROTO_IPIP,
		       false);
	if (!rt)
		return tgw_drop(tn, d, d->svc, TGW_DROP_NO_ROUTE);
	if (tgw_icmp_xlate(skb, &ic, true, d->vmip, true, d->vmip,
			   d->vmport)) {
		ip_rt_put(rt);
		return tgw_drop(tn, d, d->svc, TGW_DROP_NOMEM);
	}
	ip_decrease_ttl(ip_hdr(skb));
	return tgw_gw_to_host(tn, cfg, c, skb, rt);
}

/* A tunnelled ICMP error about a request: send it to the client. */
static unsigned int tgw_gw_icmp_out(struct tgw_net *tn, struct sk_buff *skb,
				    __be32 host)
{
	struct tgw_tuple t = {};
	struct tgw_icmp ic;
	struct tgw_conn *c;
	struct tgw_dest *d;
	struct rtable *rt;
	__be32 vip;

	if (tgw_icmp_parse(skb, &ic))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_NO_CONN);
	/* quoted: cip:cport -> vmip:vmport */
	t.saddr = ic.q.daddr;
	t.daddr = ic.q.saddr;
	t.sport = ic.q.dport;
	t.dport = ic.q.sport;
	t.proto = ic.q.proto;
	c = tgw_conn_lookup(tn, TGW_DIR_OUT, &t);
	if (!c || !c->dest)
		return tgw_drop(tn, NULL, NULL, TGW_DROP_NO_CONN);
	d = c->dest;
	if (c->peer != host)
		return tgw_drop(tn, d, d->svc, TGW_DROP_BAD_PEER);
	if (ip_hdr(skb)->ttl <= 1)
		return tgw_drop(tn, d, d->svc, TGW_DROP_TTL);
	vip = c->tuple[TGW_DIR_IN].daddr;
	rt = tgw_route(dev_net(skb->dev), vip, ip_hdr(skb)->daddr,
		       IPPROTO_ICMP, true);
	if (!rt)
		return tgw_drop(tn, d, d->svc, TGW_DROP_NO_ROUTE);
	if (tgw_icmp_xlate(skb, &ic, false, vip, false, vip,
			   c->tuple[TGW_DIR_IN].dport)) {
		ip_rt_put(rt);
		return tgw_drop(tn, d, d->svc, TGW_DROP_NOMEM);
	}
	ip_decrease_ttl(ip_hdr(skb));
	tgw_count(tn, d, TGW_DIR_OUT, skb->len);
	tgw_plain_xmit(dev_net(skb->dev), skb, rt);
	return NF_STOLEN;
}

static struct tgw_conn *tgw_gw_new_conn(struct tgw_net *tn,
					struct tgw_service *svc,
					const struct tgw_pkt *p,
					enum tgw_drop *why)
{
	struct tgw_tuple out;
	struct tgw_dest *d;
	u8 state, flags;

	if (tgw_initial_state(p, &state, &flags)) {
		*why = TGW_DROP_NO_CONN;
		return NULL;
	}
	if (flags & TGW_CONN_F_FALLBACK)
		d = tgw_sched_fallback(svc, &p->t);
	else
		d = READ_ONCE(svc->ops)->pick(svc, &p->t);
	if (!d) {
		*why = TGW_DROP_NO_DEST;
		return NULL;
	}
	memset(&out, 0, sizeof(out));
	out.saddr = d->vmip;
	out.sport = d->vmport;
	out.daddr = p->t.saddr;
	out.dport = p->t.sport;
	out.proto = p->t.proto;
	return tgw_conn_create(tn, &p->t, &out, d->host, d, state, flags, why);
}

static unsigned int tgw_gw_in(struct tgw_net *tn,
			      const struct tgw_role_cfg *cfg,
			      struct sk_buff *skb)
{
	struct tgw_service *svc = NULL;
	enum tgw_drop why;
	unsigned int mtu;
	struct tgw_conn *c;
	struct tgw_dest *d;
	struct tgw_pkt p;
	struct rtable *rt;

	if (ip_hdr(skb)->protocol == IPPROTO_ICMP)
		return tgw_gw_icmp_in(tn, cfg, skb);
	if (tgw_parse(skb, &p))
		return NF_ACCEPT;
	c = tgw_conn_lookup(tn, TGW_DIR_IN, &p.t);
	if (c && p.t.proto == IPPROTO_TCP && tgw_tcp_reuse(c, &p.th)) {
		tgw_conn_unlink(tn, c, TGW_CONN_END_CLOSED);
		c = NULL;
	}
	if (!c) {
		svc = tgw_service_find(tn, p.t.daddr, p.t.dport, p.t.proto);
		if (!svc)
			return NF_ACCEPT;	/* not a service: not ours */
		c = tgw_gw_new_conn(tn, svc, &p, &why);
		if (!c)
			return tgw_drop(tn, NULL, svc, why);
	}
	d = c->dest;
	if (unlikely(!d))	/* a host conn during a role change */
		return tgw_drop(tn, NULL, NULL, TGW_DROP_NO_CONN);
	svc = d->svc;
	tgw_track(tn, c, TGW_DIR_IN, &p);

	if (ip_hdr(skb)->ttl <= 1)
		return tgw_drop(tn, d, svc, TGW_DROP_TTL);
	rt = tgw_route(dev_net(skb->dev), cfg->addr, c->peer, IPPROTO_IPIP,
		       false);
	if (!rt)
		return tgw_drop(tn, d, svc, TGW_DROP_NO_ROUTE);
	mtu = dst_mtu(&rt->dst) - sizeof(struct iphdr);
	if (tgw_too_big(skb, mtu)) {
		ip_rt_put(rt);
		tgw_send_frag_needed(skb, mtu);
		return tgw_drop(tn, d, svc, TGW_DROP_TOO_BIG);
	}
	if (skb_ensure_writable(skb, p.thoff + p.l4len)) {
		ip_rt_put(rt);
		return tgw_drop(tn, d, svc, TGW_DROP_NOMEM);
	}
	if (p.t.proto == IPPROTO_TCP && p.th.syn)
		tgw_mss_clamp(skb, p.thoff, tgw_clamp_mss(svc, mtu));
	tgw_xlate_l4(skb, p.thoff, p.t.proto, p.t.daddr, d->vmip, p.t.dport,
		     d->vmport, true);
	ip_decrease_ttl(ip_hdr(skb));
	return tgw_gw_to_host(tn, cfg, c, skb, rt);
}

/* MSS for SYN-ACKs leaving towards the client: the tunnel to the host. */
static unsigned int tgw_gw_reply_mss(struct net *net,
				     const struct tgw_role_cfg *cfg,
				     const struct tgw_conn *c)
{
	unsigned int mtu = IP_MAX_MTU;
	struct rtable *rt;

	rt = tgw_route(net, cfg->addr, c->peer, IPPROTO_IPIP, false);
	if (rt) {
		mtu = dst_mtu(&rt->dst) - sizeof(struct iphdr);
		ip_rt_put(rt);
	}
	return tgw_clamp_mss(c->dest->svc, mtu);
}

static unsigned int tgw_gw_reply(struct tgw_net *tn,
				 const struct tgw_role_cfg *cfg,
				 struct sk_buff *skb)
{
	__be32 host = ip_hdr(skb)->saddr;
	struct net *net = dev_net(skb->dev);
	struct tgw_conn *c;
	struct tgw_dest *d;
	struct tgw_pkt p;
	struct rtable *rt;

	if (ip_is_fragment(ip_hdr(skb)))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_MALFORMED);
	if (tgw_decap(skb))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_MALFORMED);
	if (ip_hdr(skb)->protocol == IPPROTO_ICMP)
		return tgw_gw_icmp_out(tn, skb, host);
	if (tgw_parse(skb, &p))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_MALFORMED);
	c = tgw_conn_lookup(tn, TGW_DIR_OUT, &p.t);
	if (!c)
		return tgw_drop(tn, NULL, NULL, TGW_DROP_NO_CONN);
	d = c->dest;
	if (unlikely(!d))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_NO_CONN);
	if (c->peer != host)
		return tgw_drop(tn, d, d->svc, TGW_DROP_BAD_PEER);
	tgw_track(tn, c, TGW_DIR_OUT, &p);

	if (ip_hdr(skb)->ttl <= 1)
		return tgw_drop(tn, d, d->svc, TGW_DROP_TTL);
	rt = tgw_route(net, c->tuple[TGW_DIR_IN].daddr, p.t.daddr, p.t.proto,
		       true);
	if (!rt)
		return tgw_drop(tn, d, d->svc, TGW_DROP_NO_ROUTE);
	if (skb_ensure_writable(skb, p.thoff + p.l4len)) {
		ip_rt_put(rt);
		return tgw_drop(tn, d, d->svc, TGW_DROP_NOMEM);
	}
	if (p.t.proto == IPPROTO_TCP && p.th.syn)
		tgw_mss_clamp(skb, p.thoff, tgw_gw_reply_mss(net, cfg, c));
	tgw_xlate_l4(skb, p.thoff, p.t.proto, p.t.saddr,
		     c->tuple[TGW_DIR_IN].daddr, p.t.sport,
		     c->tuple[TGW_DIR_IN].dport, false);
	ip_decrease_ttl(ip_hdr(skb));
	tgw_count(tn, d, TGW_DIR_OUT, skb->len);
	tgw_plain_xmit(net, skb, rt);
	return NF_STOLEN;
}

/* ---- host -------------------------------------------------------------- */

static unsigned int tgw_host_in(struct tgw_net *tn,
				const struct tgw_role_cfg *cfg,
				struct sk_buff *skb)
{
	__be32 gw = ip_hdr(skb)->saddr;
	struct tgw_tuple out;
	enum tgw_drop why;
	struct tgw_conn *c;
	struct tgw_pkt p;
	u8 state, flags;

	if (!tgw_is_gateway_of(cfg, gw))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_BAD_PEER);
	if (ip_is_fragment(ip_hdr(skb)))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_MALFORMED);
	if (tgw_decap(skb))
		return tgw_drop(tn, NULL, NULL, TGW_DROP_MALFORMED);
	if (tgw_parse(skb, &p))
		return NF_ACCEPT;	/* e.g. ICMP: the stack routes it */

	c = tgw_conn_lookup(tn, TGW_DIR_IN, &p.t);
	if (c && p.t.proto == IPPROTO_TCP && tgw_tcp_reuse(c, &p.th)) {
		tgw_conn_unlink(tn, c, TGW_CONN_END_CLOSED);
		c = NULL;
	}
	if (!c) {
		if (tgw_initial_state(&p, &state, &flags))
			return NF_ACCEPT;	/* stray RST: deliver as is */
		tgw_reverse(&p.t, &out);
		c = tgw_conn_create(tn, &p.t, &out, gw, NULL, state, flags,
				    &why);
		if (!c)
			return tgw_drop(tn, NULL, NULL, why);
	} else if (READ_ONCE(c->peer) != gw) {
		WRITE_ONCE(c->peer, gw);	/* the flow moved gateway */
	}
	tgw_track(tn, c, TGW_DIR_IN, &p);
	tgw_count(tn, NULL, TGW_DIR_IN, skb->len);
	return NF_ACCEPT;	/* routed to the VM by the stack */
}

static unsigned int tgw_host_out(struct tgw_net *tn,
				 const struct tgw_role_cfg *cfg,
				 struct sk_buff *skb)
{
	struct net *net = dev_net(skb->dev);
	struct tgw_conn *c;
	struct tgw_pkt p;
	unsigned int mtu;
	struct rtable *rt;
	struct tgw_icmp ic;
	__be32 peer;

	if (ip_hdr(skb)->protocol == IPPROTO_ICMP) {
		/* an error from the VM about a tunnelled flow */
		if (tgw_icmp_parse(skb, &ic))
			return NF_ACCEPT;
		c = tgw_conn_lookup(tn, TGW_DIR_IN, &ic.q);
		if (!c)
			return NF_ACCEPT;
		p.thoff = ip_hdrlen(skb);
		p.l4len = 0;
		p.t.proto = IPPROTO_ICMP;
	} else {
		if (tgw_parse(skb, &p))
			return NF_ACCEPT;
		c = tgw_conn_lookup(tn, TGW_DIR_OUT, &p.t);
		if (!c)
			return NF_ACCEPT;	/* not a tunnelled flow */
		tgw_track(tn, c, TGW_DIR_OUT, &p);
	}
	if (ip_hdr(skb)->ttl <= 1)
		return tgw_drop(tn, NULL, NULL, TGW_DROP_TTL);
	peer = READ_ONCE(c->peer);
	rt = tgw_route(net, cfg->addr, peer, IPPROTO_IPIP, false);
	if (!rt)
		return tgw_drop(tn, NULL, NULL, TGW_DROP_NO_ROUTE);
	mtu = dst_mtu(&rt->dst) - sizeof(struct iphdr);
	if (tgw_too_big(skb, mtu)) {
		ip_rt_put(rt);
		tgw_send_frag_needed(skb, mtu);
		return tgw_drop(tn, NULL, NULL, TGW_DROP_TOO_BIG);
	}
	if (skb_ensure_writable(skb, p.thoff + p.l4len)) {
		ip_rt_put(rt);
		return tgw_drop(tn, NULL, NULL, TGW_DROP_NOMEM);
	}
	if (p.t.proto == IPPROTO_TCP && p.th.syn)
		tgw_mss_clamp(skb, p.thoff, tgw_clamp_mss(NULL, mtu));
	ip_decrease_ttl(ip_hdr(skb));
	tgw_count(tn, NULL, TGW_DIR_OUT, skb->len);
	tgw_encap_xmit(net, skb, cfg->addr, peer, rt);
	return NF_STOLEN;
}

static unsigned int tgw_nf_pre_routing(void *priv, struct sk_buff *skb,
				       const struct nf_hook_state *state)
{
	struct tgw_net *tn = tgw_pernet(state->net);
	const struct tgw_role_cfg *cfg;
	const struct iphdr *iph;
	bool tunnel;

	cfg = rcu_dereference(tn->cfg);
	if (!cfg || cfg->role == TGW_ROLE_NONE)
		return NF_ACCEPT;
	iph = ip_hdr(skb);
	if (iph->protocol == IPPROTO_ICMP && iph->daddr == cfg->addr) {
		tgw_icmp_tunnel_err(skb, cfg->addr);
		return NF_ACCEPT;
	}
	tunnel = iph->protocol == IPPROTO_IPIP && iph->daddr == cfg->addr;
	if (cfg->role == TGW_ROLE_GATEWAY)
		return tunnel ? tgw_gw_reply(tn, cfg, skb) :
				tgw_gw_in(tn, cfg, skb);
	return tunnel ? tgw_host_in(tn, cfg, skb) : tgw_host_out(tn, cfg, skb);
}

static const struct nf_hook_ops tgw_nf_ops[] = {
	{
		.hook = tgw_nf_pre_routing,
		.pf = NFPROTO_IPV4,
		.hooknum = NF_INET_PRE_ROUTING,
		.priority = TGW_HOOK_PRIORITY,
	},
};

int tgw_hooks_register(struct net *net)
{
	return nf_register_net_hooks(net, tgw_nf_ops, ARRAY_SIZE(tgw_nf_ops));
}

void tgw_hooks_unregister(struct net *net)
{
	nf_unregister_net_hooks(net, tgw_nf_ops, ARRAY_SIZE(tgw_nf_ops));
}
