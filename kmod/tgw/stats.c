// SPDX-License-Identifier: GPL-2.0
/* tgw: 64-bit per-CPU counters for services, destinations and netns. */
#include <net/genetlink.h>

#include "tgw.h"

struct tgw_stats __percpu *tgw_stats_alloc(void)
{
	struct tgw_stats __percpu *stats;
	int cpu;

	stats = alloc_percpu(struct tgw_stats);
	if (!stats)
		return NULL;
	for_each_possible_cpu(cpu)
		u64_stats_init(&per_cpu_ptr(stats, cpu)->syncp);
	return stats;
}

void tgw_stats_free(struct tgw_stats __percpu *stats)
{
	free_percpu(stats);
}

void tgw_stats_pkt(struct tgw_stats __percpu *stats, enum tgw_dir dir,
		   unsigned int len)
{
	struct tgw_stats *s = get_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->pkts[dir]);
	u64_stats_add(&s->bytes[dir], len);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(stats);
}

void tgw_stats_inc_conns(struct tgw_stats __percpu *stats)
{
	struct tgw_stats *s = get_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->conns);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(stats);
}

void tgw_stats_inc_evicted(struct tgw_stats __percpu *stats)
{
	struct tgw_stats *s = get_cpu_ptr(stats);

	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->evicted);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(stats);
}

void tgw_stats_drop(struct tgw_stats __percpu *stats, enum tgw_drop why)
{
	struct tgw_stats *s;

	if (!stats)
		return;
	s = get_cpu_ptr(stats);
	u64_stats_update_begin(&s->syncp);
	u64_stats_inc(&s->drops[why]);
	u64_stats_update_end(&s->syncp);
	put_cpu_ptr(stats);
}

void tgw_stats_read(struct tgw_stats __percpu *stats, struct tgw_counters *c)
{
	struct tgw_counters tmp;
	unsigned int start;
	int cpu, i;

	memset(c, 0, sizeof(*c));
	for_each_possible_cpu(cpu) {
		const struct tgw_stats *s = per_cpu_ptr(stats, cpu);

		do {
			start = u64_stats_fetch_begin(&s->syncp);
			tmp.conns = u64_stats_read(&s->conns);
			tmp.evicted = u64_stats_read(&s->evicted);
			for (i = 0; i < TGW_DIR_MAX; i++) {
				tmp.pkts[i] = u64_stats_read(&s->pkts[i]);
				tmp.bytes[i] = u64_stats_read(&s->bytes[i]);
			}
			for (i = 0; i < __TGW_DROP_MAX; i++)
				tmp.drops[i] = u64_stats_read(&s->drops[i]);
		} while (u64_stats_fetch_retry(&s->syncp, start));
		c->conns += tmp.conns;
		c->evicted += tmp.evicted;
		for (i = 0; i < TGW_DIR_MAX; i++) {
			c->pkts[i] += tmp.pkts[i];
			c->bytes[i] += tmp.bytes[i];
		}
		for (i = 0; i < __TGW_DROP_MAX; i++)
			c->drops[i] += tmp.drops[i];
	}
}

int tgw_stats_put(struct sk_buff *skb, int attr,
		  struct tgw_stats __percpu *stats)
{
	struct nlattr *nest, *drops;
	struct tgw_counters c;
	int i;

	tgw_stats_read(stats, &c);
	nest = nla_nest_start(skb, attr);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_uint(skb, TGW_A_STATS_CONNS, c.conns) ||
	    nla_put_uint(skb, TGW_A_STATS_PKTS_IN, c.pkts[TGW_DIR_IN]) ||
	    nla_put_uint(skb, TGW_A_STATS_BYTES_IN, c.bytes[TGW_DIR_IN]) ||
	    nla_put_uint(skb, TGW_A_STATS_PKTS_OUT, c.pkts[TGW_DIR_OUT]) ||
	    nla_put_uint(skb, TGW_A_STATS_BYTES_OUT, c.bytes[TGW_DIR_OUT]) ||
	    nla_put_uint(skb, TGW_A_STATS_EVICTED, c.evicted))
		goto cancel;
	drops = nla_nest_start(skb, TGW_A_STATS_DROPS);
	if (!drops)
		goto cancel;
	for (i = 0; i < __TGW_DROP_MAX; i++)
		if (nla_put_uint(skb, i + 1, c.drops[i]))
			goto cancel;
	nla_nest_end(skb, drops);
	nla_nest_end(skb, nest);
	return 0;
cancel:
	nla_nest_cancel(skb, nest);
	return -EMSGSIZE;
}
