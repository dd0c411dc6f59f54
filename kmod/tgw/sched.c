// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: schedulers behind an ops table.
 *
 *   wrr     weighted round-robin: a precomputed, smoothly interleaved
 *           sequence of destinations (rebuilt on every change), walked
 *           with one atomic counter
 *   wlc     weighted least-connections: min((active * 256 + inactive) /
 *           weight), as in IPVS
 *   maglev  weighted Maglev hashing (sched_maglev.c)
 *
 * Weight 0 drains: such a destination gets no new connections, its
 * existing ones carry on. Every service also keeps a Maglev table, used
 * for TCP packets of unknown mid-stream flows so that every gateway sends
 * them to the same destination.
 */
#include <linux/gcd.h>
#include <linux/slab.h>

#include "tgw.h"

#define TGW_WRR_MAX_LEN		4096

struct tgw_wrr {
	struct rcu_head rcu;
	atomic_t next;
	unsigned int len;
	struct tgw_dest *seq[];
};

static bool tgw_dest_usable(const struct tgw_dest *d)
{
	return READ_ONCE(d->weight) && !READ_ONCE(d->dead);
}

/* Scale weights so that their sum fits in @max; 0 stays 0. */
static void tgw_scale_weights(u32 *w, unsigned int n, u32 max)
{
	u64 sum = 0;
	unsigned int i;
	u32 g = 0;

	for (i = 0; i < n; i++)
		g = w[i] ? gcd(g, w[i]) : g;
	for (i = 0; i < n; i++) {
		w[i] /= max_t(u32, g, 1);
		sum += w[i];
	}
	if (sum <= max)
		return;
	for (i = 0; i < n; i++)
		if (w[i])
			w[i] = max_t(u32, 1, div64_u64((u64)w[i] * max, sum));
}

static void tgw_wrr_free(struct rcu_head *head)
{
	kvfree(container_of(head, struct tgw_wrr, rcu));
}

static int tgw_wrr_update(struct tgw_service *svc)
{
	struct tgw_wrr *wrr = NULL, *old;
	unsigned int n = 0, i, j, len = 0;
	struct tgw_dest *d, **dests;
	s64 *cur;
	u32 *w;

	dests = kcalloc(svc->ndests, sizeof(*dests), GFP_KERNEL);
	w = kcalloc(svc->ndests, sizeof(*w), GFP_KERNEL);
	cur = kcalloc(svc->ndests, sizeof(*cur), GFP_KERNEL);
	if (!dests || !w || !cur)
		goto out_free;
	list_for_each_entry(d, &svc->dests, list) {
		if (!tgw_dest_usable(d))
			continue;
		dests[n] = d;
		w[n++] = d->weight;
	}
	tgw_scale_weights(w, n, TGW_WRR_MAX_LEN);
	for (i = 0; i < n; i++)
		len += w[i];
	if (len) {
		wrr = kvzalloc(struct_size(wrr, seq, len), GFP_KERNEL);
		if (!wrr)
			goto out_free;
		wrr->len = len;
		/* Smooth WRR: weights 5,1,1 give a a b a c a a, not a*5 b c. */
		for (j = 0; j < len; j++) {
			unsigned int best = 0;

			for (i = 0; i < n; i++) {
				cur[i] += w[i];
				if (cur[i] > cur[best])
					best = i;
			}
			cur[best] -= len;
			wrr->seq[j] = dests[best];
		}
	}
	old = rcu_replace_pointer(svc->sched_priv, wrr, true);
	if (old)
		call_rcu(&old->rcu, tgw_wrr_free);
	kfree(cur);
	kfree(w);
	kfree(dests);
	return 0;

out_free:
	kfree(cur);
	kfree(w);
	kfree(dests);
	return -ENOMEM;
}

static void tgw_wrr_release(struct tgw_service *svc)
{
	struct tgw_wrr *old = rcu_replace_pointer(svc->sched_priv, NULL, true);

	if (old)
		call_rcu(&old->rcu, tgw_wrr_free);
}

static struct tgw_dest *tgw_wrr_pick(struct tgw_service *svc,
				     const struct tgw_tuple *t)
{
	struct tgw_wrr *wrr = rcu_dereference(svc->sched_priv);
	struct tgw_dest *d;

	if (!wrr)
		return NULL;
	d = wrr->seq[(u32)atomic_inc_return(&wrr->next) % wrr->len];
	return tgw_dest_usable(d) ? d : NULL;
}

static const struct tgw_sched_ops tgw_sched_wrr = {
	.name = "wrr",
	.update = tgw_wrr_update,
	.release = tgw_wrr_release,
	.pick = tgw_wrr_pick,
};

static struct tgw_dest *tgw_wlc_pick(struct tgw_service *svc,
				     const struct tgw_tuple *t)
{
	struct tgw_dest *d, *best = NULL;
	u64 best_load = 0, load;
	u32 best_w = 0, w;

	list_for_each_entry_rcu(d, &svc->dests, list) {
		w = READ_ONCE(d->weight);
		if (!w || READ_ONCE(d->dead))
			continue;
		load = (u64)atomic_read(&d->active) * 256 +
		       atomic_read(&d->inactive);
		/* load / w < best_load / best_w */
		if (!best || load * best_w < best_load * w) {
			best = d;
			best_load = load;
			best_w = w;
		}
	}
	return best;
}

static const struct tgw_sched_ops tgw_sched_wlc = {
	.name = "wlc",
	.pick = tgw_wlc_pick,
};

static const struct tgw_sched_ops *const tgw_scheds[__TGW_SCHED_MAX] = {
	[TGW_SCHED_WRR] = &tgw_sched_wrr,
	[TGW_SCHED_WLC] = &tgw_sched_wlc,
	[TGW_SCHED_MAGLEV] = &tgw_sched_maglev,
};

const struct tgw_sched_ops *tgw_sched_get(u32 id)
{
	return id <= TGW_SCHED_MAX ? tgw_scheds[id] : NULL;
}

/* Rebuild the fallback table and the scheduler's state (cfg_lock). */
int tgw_sched_update(struct tgw_service *svc)
{
	int err;

	err = tgw_maglev_build(svc);
	if (err)
		return err;
	return svc->ops->update ? svc->ops->update(svc) : 0;
}

struct tgw_dest *tgw_sched_fallback(struct tgw_service *svc,
				    const struct tgw_tuple *t)
{
	return tgw_maglev_pick(svc, t);
}
