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

void tgw_maglev_free(struct tgw_maglev *m)
{
	if (!m)
		return;
	kfree(m->ent);
	kvfree(m);
}

static void tgw_maglev_free_cb(struct rcu_head *head)
{
	tgw_maglev_free(container_of(head, struct tgw_maglev, rcu));
}

void tgw_maglev_free_rcu(struct tgw_maglev *m)
{
	if (m)
		call_rcu(&m->rcu, tgw_maglev_free_cb);
}

static int tgw_maglev_fill(struct tgw_maglev *m, const u32 *offset,
			   const u32 *skip, const u32 *turns)
{
	unsigned int i, t, filled = 0;
	u32 *next;

	/* No degraded table on failure: all gateways must agree. */
	next = kcalloc(m->ndests, sizeof(*next), GFP_KERNEL);
	if (!next)
		return -ENOMEM;
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
				m->ent[i].slots++;
				filled++;
			}
		}
	}
	kfree(next);
	return 0;
}

/*
 * Build the table of the @n usable destinations @v (cfg_lock); NULL for an
 * empty set, ERR_PTR(-ENOMEM) on failure. Nothing is published here.
 */
struct tgw_maglev *tgw_maglev_build(const struct tgw_sched_dest *v,
				    unsigned int n)
{
	u32 *offset = NULL, *skip = NULL, *turns = NULL, wmax = 0;
	struct tgw_maglev *m;
	unsigned int i;
	int err = -ENOMEM;

	if (!n)
		return NULL;
	for (i = 0; i < n; i++)
		wmax = max(wmax, v[i].weight);
	m = kvzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return ERR_PTR(-ENOMEM);
	m->ent = kcalloc(n, sizeof(*m->ent), GFP_KERNEL);
	offset = kcalloc(n, sizeof(u32), GFP_KERNEL);
	skip = kcalloc(n, sizeof(u32), GFP_KERNEL);
	turns = kcalloc(n, sizeof(u32), GFP_KERNEL);
	if (!m->ent || !offset || !skip || !turns)
		goto out_free;
	for (i = 0; i < n; i++) {
		const struct tgw_dest *d = v[i].d;
		u32 id[3] = { (__force u32)d->host, (__force u32)d->vmip,
			      (__force u32)d->vmport };

		m->ent[i].d = v[i].d;
		offset[i] = jhash2(id, 3, TGW_MAGLEV_SEED1) % TGW_MAGLEV_SIZE;
		skip[i] = jhash2(id, 3, TGW_MAGLEV_SEED2) %
			  (TGW_MAGLEV_SIZE - 1) + 1;
		turns[i] = wmax <= TGW_MAGLEV_MAX_TURNS ? v[i].weight :
			   max_t(u32, 1, (u64)v[i].weight *
					 TGW_MAGLEV_MAX_TURNS / wmax);
	}
	m->ndests = n;
	err = tgw_maglev_fill(m, offset, skip, turns);
out_free:
	kfree(turns);
	kfree(skip);
	kfree(offset);
	if (err) {
		tgw_maglev_free(m);
		return ERR_PTR(err);
	}
	return m;
}

/* Slots of @d in the service's table, for dumps. */
u32 tgw_maglev_slots(struct tgw_service *svc, const struct tgw_dest *d)
{
	struct tgw_maglev *m;
	unsigned int i;
	u32 n = 0;

	rcu_read_lock();
	m = rcu_dereference(svc->maglev);
	for (i = 0; m && i < m->ndests; i++)
		if (m->ent[i].d == d)
			n = m->ent[i].slots;
	rcu_read_unlock();
	return n;
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
	d = m->ent[m->slot[h % TGW_MAGLEV_SIZE]].d;
	return READ_ONCE(d->weight) && !READ_ONCE(d->dead) ? d : NULL;
}

/* The table is built for every service anyway (mid-stream fallback). */
const struct tgw_sched_ops tgw_sched_maglev = {
	.name = "maglev",
	.pick = tgw_maglev_pick,
};
