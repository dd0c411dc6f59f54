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
 *
 * A configuration change is prepared first (the new tables built for the
 * destination set it will leave: struct tgw_sched_change), then committed
 * without any allocation: a change that runs out of memory changes
 * nothing, and a destination is never reachable from a table before it is
 * fully set up nor after it is freed.
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

static void tgw_wrr_free_cb(struct rcu_head *head)
{
	kvfree(container_of(head, struct tgw_wrr, rcu));
}

static void tgw_wrr_free(void *priv)
{
	struct tgw_wrr *wrr = priv;

	if (wrr)
		call_rcu(&wrr->rcu, tgw_wrr_free_cb);
}

static int tgw_wrr_build(const struct tgw_sched_dest *v, unsigned int n,
			 void **priv)
{
	unsigned int i, j, len = 0;
	struct tgw_wrr *wrr;
	s64 *cur;
	u32 *w;

	*priv = NULL;
	if (!n)
		return 0;
	w = kcalloc(n, sizeof(*w), GFP_KERNEL);
	cur = kcalloc(n, sizeof(*cur), GFP_KERNEL);
	if (!w || !cur)
		goto out_nomem;
	for (i = 0; i < n; i++)
		w[i] = v[i].weight;
	tgw_scale_weights(w, n, TGW_WRR_MAX_LEN);
	for (i = 0; i < n; i++)
		len += w[i];
	wrr = kvzalloc(struct_size(wrr, seq, len), GFP_KERNEL);
	if (!wrr)
		goto out_nomem;
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
		wrr->seq[j] = v[best].d;
	}
	kfree(cur);
	kfree(w);
	*priv = wrr;
	return 0;

out_nomem:
	kfree(cur);
	kfree(w);
	return -ENOMEM;
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
	.build = tgw_wrr_build,
	.free = tgw_wrr_free,
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

/*
 * Build the Maglev table and the scheduler state of @svc as it will be
 * after @ch (cfg_lock). Nothing visible changes; on failure nothing is
 * left allocated.
 */
int tgw_sched_prepare(struct tgw_service *svc, struct tgw_sched_change *ch)
{
	unsigned int n = 0, max = svc->ndests + 1;
	struct tgw_sched_dest *v;
	struct tgw_dest *d;
	int err;

	if (!ch->ops)
		ch->ops = svc->ops;
	ch->maglev = NULL;
	ch->priv = NULL;
	v = kcalloc(max, sizeof(*v), GFP_KERNEL);
	if (!v)
		return -ENOMEM;
	list_for_each_entry(d, &svc->dests, list) {
		u32 w = d == ch->set ? ch->weight : d->weight;

		if (d == ch->del || d->dead || !w)
			continue;
		v[n].d = d;
		v[n++].weight = w;
	}
	if (ch->add && ch->add->weight) {
		v[n].d = ch->add;
		v[n++].weight = ch->add->weight;
	}
	ch->maglev = tgw_maglev_build(v, n);
	if (IS_ERR(ch->maglev)) {
		err = PTR_ERR(ch->maglev);
		ch->maglev = NULL;
		goto out_free;
	}
	err = ch->ops->build ? ch->ops->build(v, n, &ch->priv) : 0;
	if (err) {
		tgw_maglev_free(ch->maglev);
		ch->maglev = NULL;
	}
out_free:
	kfree(v);
	return err;
}

void tgw_sched_abort(struct tgw_sched_change *ch)
{
	tgw_maglev_free(ch->maglev);
	ch->maglev = NULL;
	if (ch->priv)
		ch->ops->free(ch->priv);
	ch->priv = NULL;
}

/*
 * Publish what tgw_sched_prepare() built (cfg_lock). Readers see the old or
 * the new scheduler with its own state: a new private state is published
 * before the ops switch to it, an old one removed after.
 */
void tgw_sched_commit(struct tgw_service *svc, struct tgw_sched_change *ch)
{
	const struct tgw_sched_ops *old = svc->ops;
	void *old_priv;

	tgw_maglev_free_rcu(rcu_replace_pointer(svc->maglev, ch->maglev,
						true));
	if (ch->priv) {
		old_priv = rcu_replace_pointer(svc->sched_priv, ch->priv, true);
		WRITE_ONCE(svc->ops, ch->ops);
	} else {
		WRITE_ONCE(svc->ops, ch->ops);
		old_priv = rcu_replace_pointer(svc->sched_priv, NULL, true);
	}
	if (old_priv && old->free)
		old->free(old_priv);
	ch->maglev = NULL;
	ch->priv = NULL;
}

/* The service is unreachable: free its tables after RCU (cfg_lock). */
void tgw_sched_release(struct tgw_service *svc)
{
	void *priv = rcu_replace_pointer(svc->sched_priv, NULL, true);

	tgw_maglev_free_rcu(rcu_replace_pointer(svc->maglev, NULL, true));
	if (priv && svc->ops->free)
		svc->ops->free(priv);
}

struct tgw_dest *tgw_sched_fallback(struct tgw_service *svc,
				    const struct tgw_tuple *t)
{
	return tgw_maglev_pick(svc, t);
}
