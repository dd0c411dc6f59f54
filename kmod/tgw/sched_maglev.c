// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: weighted Maglev consistent hashing (Eisenbud et al., NSDI'16).
 *
 * Each usable destination gets a permutation of the TGW_MAGLEV_SIZE
 * (prime) slots from two hashes of its identity (hostip, vmip, vmport);
 * destinations take turns claiming their next free preferred slot, a
 * destination with weight w taking w turns per round (weights scaled to at
 * most 256). A flow maps to slot[hash(5-tuple) % size]. The hashes use
 * fixed seeds so that all gateways build the same table from the same
 * destinations and agree on the backend of a flow none of them knows.
 */
#include <linux/jhash.h>
#include <linux/slab.h>

#include "tgw.h"

#define TGW_MAGLEV_SEED1	0x7467775fU
#define TGW_MAGLEV_SEED2	0x6d61676cU
#define TGW_MAGLEV_SEED_FLOW	0x666c6f77U
#define TGW_MAGLEV_MAX_TURNS	256

static void tgw_maglev_free(struct rcu_head *head)
{
	struct tgw_maglev *m = container_of(head, struct tgw_maglev, rcu);

	kfree(m->dests);
	kvfree(m);
}

static void tgw_maglev_fill(struct tgw_maglev *m, const u32 *offset,
			    const u32 *skip, const u32 *turns)
{
	unsigned int i, t, filled = 0;
	u32 *next;

	next = kcalloc(m->ndests, sizeof(*next), GFP_KERNEL);
	if (!next) {
		/* Degraded but valid: round-robin the slots. */
		for (i = 0; i < TGW_MAGLEV_SIZE; i++)
			m->slot[i] = i % m->ndests;
		return;
	}
	memset(m->slot, 0xff, sizeof(m->slot));
	while (filled < TGW_MAGLEV_SIZE) {
		for (i = 0; i < m->ndests && filled < TGW_MAGLEV_SIZE; i++) {
			for (t = 0; t < turns[i] && filled < TGW_MAGLEV_SIZE;
			     t++) {
				u32 s;

				do {
					s = ((u64)offset[i] +
					     (u64)next[i] * skip[i]) %
					    TGW_MAGLEV_SIZE;
					next[i]++;
				} while (m->slot[s] != U16_MAX);
				m->slot[s] = i;
				filled++;
			}
		}
	}
	kfree(next);
}

int tgw_maglev_build(struct tgw_service *svc)
{
	u32 *offset = NULL, *skip = NULL, *turns = NULL, wmax = 0;
	struct tgw_maglev *m = NULL, *old;
	unsigned int n = 0, i;
	struct tgw_dest *d;
	int err = -ENOMEM;

	list_for_each_entry(d, &svc->dests, list)
		if (d->weight && !d->dead) {
			n++;
			wmax = max(wmax, d->weight);
		}
	if (!n)
		goto out_publish;
	m = kvzalloc(sizeof(*m), GFP_KERNEL);
	offset = kcalloc(n, sizeof(u32), GFP_KERNEL);
	skip = kcalloc(n, sizeof(u32), GFP_KERNEL);
	turns = kcalloc(n, sizeof(u32), GFP_KERNEL);
	if (!m || !offset || !skip || !turns)
		goto out_free;
	m->dests = kcalloc(n, sizeof(*m->dests), GFP_KERNEL);
	if (!m->dests)
		goto out_free;
	list_for_each_entry(d, &svc->dests, list) {
		u32 id[3] = { (__force u32)d->host, (__force u32)d->vmip,
			      (__force u32)d->vmport };

		if (!d->weight || d->dead)
			continue;
		i = m->ndests++;
		m->dests[i] = d;
		offset[i] = jhash2(id, 3, TGW_MAGLEV_SEED1) % TGW_MAGLEV_SIZE;
		skip[i] = jhash2(id, 3, TGW_MAGLEV_SEED2) %
			  (TGW_MAGLEV_SIZE - 1) + 1;
		turns[i] = wmax <= TGW_MAGLEV_MAX_TURNS ? d->weight :
			   max_t(u32, 1, (u64)d->weight *
					 TGW_MAGLEV_MAX_TURNS / wmax);
	}
	tgw_maglev_fill(m, offset, skip, turns);
out_publish:
	old = rcu_replace_pointer(svc->maglev, m, true);
	if (old)
		call_rcu(&old->rcu, tgw_maglev_free);
	m = NULL;
	err = 0;
out_free:
	kfree(turns);
	kfree(skip);
	kfree(offset);
	if (m) {
		kfree(m->dests);
		kvfree(m);
	}
	return err;
}

void tgw_maglev_release(struct tgw_service *svc)
{
	struct tgw_maglev *old = rcu_replace_pointer(svc->maglev, NULL, true);

	if (old)
		call_rcu(&old->rcu, tgw_maglev_free);
}

struct tgw_dest *tgw_maglev_pick(struct tgw_service *svc,
				 const struct tgw_tuple *t)
{
	struct tgw_maglev *m = rcu_dereference(svc->maglev);
	struct tgw_dest *d;
	u32 h;

	if (!m)
		return NULL;
	h = jhash_3words((__force u32)t->saddr, (__force u32)t->daddr,
			 ((__force u32)t->sport << 16) | (__force u32)t->dport,
			 TGW_MAGLEV_SEED_FLOW ^ t->proto);
	d = m->dests[m->slot[h % TGW_MAGLEV_SIZE]];
	return READ_ONCE(d->weight) && !READ_ONCE(d->dead) ? d : NULL;
}

static int tgw_maglev_update(struct tgw_service *svc)
{
	return 0;	/* the table is built for every service anyway */
}

const struct tgw_sched_ops tgw_sched_maglev = {
	.name = "maglev",
	.update = tgw_maglev_update,
	.pick = tgw_maglev_pick,
};
