// SPDX-License-Identifier: GPL-2.0
/*
 * tgw: the connection table.
 *
 * One struct tgw_conn per flow, hashed twice: by its client-side tuple in
 * conns[TGW_DIR_IN] and by its VM-side tuple in conns[TGW_DIR_OUT], so a
 * packet from either side finds it with one RCU lookup.
 *
 * Life cycle: a conn is made reachable by inserting it into the OUT table
 * and then the IN table; it is unlinked by whoever removes it from the IN
 * table first (rhashtable_remove_fast() returns -ENOENT to the others),
 * then freed after an RCU grace period.
 *
 * Unconfirmed conns (no answer seen yet, e.g. a SYN flood) are also kept on
 * tn->embryo, oldest first; when the table is full the oldest of them is
 * evicted to make room. Confirmed conns are never evicted.
 *
 * Everything that follows connections hooks in at one point,
 * tgw_conn_event(): a conn was created, changed state, or ended (and why).
 * It is called with the conn's lock held, so the events of one conn are
 * seen in order. It feeds the "conn" multicast group (events.c) and
 * connection sync between gateways (sync_tx.c).
 */
#include <linux/slab.h>

#include "tgw.h"

#define TGW_GC_INTERVAL		HZ
#define TGW_GC_BATCH		1024
#define TGW_EVICT_TRIES		8

struct kmem_cache *tgw_conn_cache;

const struct rhashtable_params tgw_conn_params[TGW_DIR_MAX] = {
	[TGW_DIR_IN] = {
		.key_len = sizeof(struct tgw_tuple),
		.key_offset = offsetof(struct tgw_conn, tuple[TGW_DIR_IN]),
		.head_offset = offsetof(struct tgw_conn, node[TGW_DIR_IN]),
		.automatic_shrinking = true,
	},
	[TGW_DIR_OUT] = {
		.key_len = sizeof(struct tgw_tuple),
		.key_offset = offsetof(struct tgw_conn, tuple[TGW_DIR_OUT]),
		.head_offset = offsetof(struct tgw_conn, node[TGW_DIR_OUT]),
		.automatic_shrinking = true,
	},
};

/*
 * The timeout of the conn's state; a flow picked up mid-stream that the VM
 * has not answered yet gets the syn_recv one: it is as unproven as a
 * half-open connection.
 */
static u32 tgw_conn_timeout(const struct tgw_net *tn, const struct tgw_conn *c)
{
	u8 state = c->state;

	if ((READ_ONCE(c->flags) & (TGW_CONN_F_FALLBACK |
				    TGW_CONN_F_CONFIRMED)) ==
	    TGW_CONN_F_FALLBACK && state == TGW_STATE_ESTABLISHED)
		state = TGW_STATE_SYN_RECV;
	if (c->dest)
		return READ_ONCE(c->dest->svc->timeout[state]);
	return READ_ONCE(tn->timeout[state]);
}

/* The one hook for created / state changed / ended; c->lock held. */
static void tgw_conn_event(struct tgw_net *tn, struct tgw_conn *c,
			   enum tgw_conn_event ev, u8 old_state,
			   enum tgw_conn_end why)
{
	lockdep_assert_held(&c->lock);
	tgw_events_conn(tn, c, ev, old_state, why);
	if (rcu_access_pointer(tn->sync))
		tgw_sync_conn(tn, c, ev == TGW_CONN_EV_END);
}

/*
 * A packet of a conn learned from a peer passed here: this gateway now
 * speaks for the conn, and tells its peers.
 */
void tgw_conn_adopt(struct tgw_net *tn, struct tgw_conn *c)
{
	spin_lock_bh(&c->lock);
	if ((c->flags & (TGW_CONN_F_SYNCED | TGW_CONN_F_DEAD)) ==
	    TGW_CONN_F_SYNCED) {
		c->flags &= ~TGW_CONN_F_SYNCED;
		tgw_conn_touch(tn, c);
		if (rcu_access_pointer(tn->sync))
			tgw_sync_conn(tn, c, false);
	}
	spin_unlock_bh(&c->lock);
}

void tgw_conn_info(const struct tgw_conn *c, struct tgw_conn_info *ci)
{
	s32 left = READ_ONCE(c->expires) - (u32)jiffies;

	ci->in = c->tuple[TGW_DIR_IN];
	ci->out = c->tuple[TGW_DIR_OUT];
	ci->peer = READ_ONCE(c->peer);
	ci->state = READ_ONCE(c->state);
	ci->flags = READ_ONCE(c->flags) & ~TGW_CONN_F_DEAD;
	ci->timeout_ms = left > 0 ? jiffies_to_msecs(left) : 0;
	ci->gateway = !!c->dest;
}

/* 32-bit jiffies: timeouts are at most a week, far below the wrap. */
bool tgw_conn_expired(const struct tgw_conn *c)
{
	return time_after32((u32)jiffies, READ_ONCE(c->expires));
}

void tgw_conn_touch(struct tgw_net *tn, struct tgw_conn *c)
{
	u32 expires = (u32)jiffies + tgw_conn_timeout(tn, c);

	/* Skip the write (and the cache line bounce) within a tick. */
	if (READ_ONCE(c->expires) != expires)
		WRITE_ONCE(c->expires, expires);
}

static void tgw_conn_count(struct tgw_dest *d, u8 state, int delta)
{
	if (!d)
		return;
	if (state == TGW_STATE_ESTABLISHED)
		atomic_add(delta, &d->active);
	else
		atomic_add(delta, &d->inactive);
}

struct tgw_conn *tgw_conn_lookup(struct tgw_net *tn, enum tgw_dir dir,
				 const struct tgw_tuple *t)
{
	struct tgw_conn *c;

	c = rhashtable_lookup(&tn->conns[dir], t, tgw_conn_params[dir]);
	if (c && unlikely(tgw_conn_expired(c))) {
		tgw_conn_unlink(tn, c, TGW_CONN_END_EXPIRED);
		return NULL;
	}
	return c;
}

static void tgw_conn_free_rcu(struct rcu_head *head)
{
	kmem_cache_free(tgw_conn_cache, container_of(head, struct tgw_conn,
						     rcu));
}

static bool tgw_state_closing(u8 state)
{
	return state == TGW_STATE_FIN_WAIT || state == TGW_STATE_TIME_WAIT ||
	       state == TGW_STATE_CLOSE;
}

bool tgw_conn_unlink(struct tgw_net *tn, struct tgw_conn *c,
		     enum tgw_conn_end why)
{
	if (rhashtable_remove_fast(&tn->conns[TGW_DIR_IN], &c->node[TGW_DIR_IN],
				   tgw_conn_params[TGW_DIR_IN]))
		return false;
	rhashtable_remove_fast(&tn->conns[TGW_DIR_OUT], &c->node[TGW_DIR_OUT],
			       tgw_conn_params[TGW_DIR_OUT]);

	spin_lock_bh(&c->lock);
	c->flags |= TGW_CONN_F_DEAD;
	tgw_conn_count(c->dest, c->state, -1);
	if (why == TGW_CONN_END_EXPIRED && tgw_state_closing(c->state))
		why = TGW_CONN_END_CLOSED;
	tgw_conn_event(tn, c, TGW_CONN_EV_END, c->state, why);
	spin_unlock_bh(&c->lock);

	spin_lock_bh(&tn->embryo_lock);
	if (!list_empty(&c->embryo))
		list_del_init(&c->embryo);
	spin_unlock_bh(&tn->embryo_lock);

	atomic_dec(&tn->nconns);
	call_rcu(&c->rcu, tgw_conn_free_rcu);
	return true;
}

/* Called with c->lock held. */
void tgw_conn_confirm_locked(struct tgw_net *tn, struct tgw_conn *c)
{
	lockdep_assert_held(&c->lock);
	if (c->flags & (TGW_CONN_F_CONFIRMED | TGW_CONN_F_DEAD))
		return;
	c->flags |= TGW_CONN_F_CONFIRMED;
	spin_lock(&tn->embryo_lock);
	list_del_init(&c->embryo);
	spin_unlock(&tn->embryo_lock);
}

void tgw_conn_confirm(struct tgw_net *tn, struct tgw_conn *c)
{
	if (READ_ONCE(c->flags) & TGW_CONN_F_CONFIRMED)
		return;
	spin_lock_bh(&c->lock);
	tgw_conn_confirm_locked(tn, c);
	spin_unlock_bh(&c->lock);
}

/* Called with c->lock held: move to @state, fix the dest counters. */
void tgw_conn_set_state(struct tgw_net *tn, struct tgw_conn *c, u8 state)
{
	bool was_est = c->state == TGW_STATE_ESTABLISHED;
	bool is_est = state == TGW_STATE_ESTABLISHED;
	u8 old = c->state;

	lockdep_assert_held(&c->lock);
	if (c->flags & TGW_CONN_F_DEAD || c->state == state)
		return;
	if (was_est != is_est) {
		tgw_conn_count(c->dest, c->state, -1);
		tgw_conn_count(c->dest, state, 1);
	}
	WRITE_ONCE(c->state, state);
	tgw_conn_touch(tn, c);	/* the event shows the new timeout */
	tgw_conn_event(tn, c, TGW_CONN_EV_STATE, old, 0);
	if (state == TGW_STATE_ESTABLISHED && !(c->flags & TGW_CONN_F_FALLBACK))
		tgw_conn_confirm_locked(tn, c);
}

/* Unlink the oldest unconfirmed conn; called under RCU. */
static bool tgw_conn_evict(struct tgw_net *tn)
{
	struct tgw_conn *c;
	int i;

	for (i = 0; i < TGW_EVICT_TRIES; i++) {
		spin_lock_bh(&tn->embryo_lock);
		c = list_first_entry_or_null(&tn->embryo, struct tgw_conn,
					     embryo);
		if (c)
			list_del_init(&c->embryo);
		spin_unlock_bh(&tn->embryo_lock);
		if (!c)
			return false;
		if (tgw_conn_unlink(tn, c, TGW_CONN_END_EVICTED)) {
			tgw_stats_inc_evicted(tn->stats);
			if (c->dest)
				tgw_stats_inc_evicted(c->dest->svc->stats);
			return true;
		}
	}
	return false;
}

/*
 * Create and insert a conn; called under RCU. Returns the conn (possibly
 * one a concurrent packet of the same flow created first) or NULL with
 * *why set.
 */
struct tgw_conn *tgw_conn_create(struct tgw_net *tn, const struct tgw_tuple *in,
				 const struct tgw_tuple *out, __be32 peer,
				 struct tgw_dest *dest, u8 state, u8 flags,
				 enum tgw_drop *why)
{
	struct tgw_conn *c, *old;
	int err;

	if (atomic_inc_return(&tn->nconns) > READ_ONCE(tn->conn_max) &&
	    !tgw_conn_evict(tn)) {
		atomic_dec(&tn->nconns);
		*why = TGW_DROP_TABLE_FULL;
		return NULL;
	}
	c = kmem_cache_zalloc(tgw_conn_cache, GFP_ATOMIC);
	if (unlikely(!c)) {
		atomic_dec(&tn->nconns);
		*why = TGW_DROP_NOMEM;
		return NULL;
	}
	c->tuple[TGW_DIR_IN] = *in;
	c->tuple[TGW_DIR_OUT] = *out;
	c->peer = peer;
	c->dest = dest;
	c->state = state;
	c->flags = flags;
	spin_lock_init(&c->lock);
	c->expires = (u32)jiffies + tgw_conn_timeout(tn, c);
	INIT_LIST_HEAD(&c->embryo);
	if (!(flags & TGW_CONN_F_CONFIRMED)) {
		spin_lock_bh(&tn->embryo_lock);
		list_add_tail(&c->embryo, &tn->embryo);
		spin_unlock_bh(&tn->embryo_lock);
	}

	/* Held until the "new" event is out: it comes before any other. */
	spin_lock_bh(&c->lock);
	err = rhashtable_lookup_insert_fast(&tn->conns[TGW_DIR_OUT],
					    &c->node[TGW_DIR_OUT],
					    tgw_conn_params[TGW_DIR_OUT]);
	if (err) {
		old = NULL;
		if (err == -EEXIST)
			old = rhashtable_lookup(&tn->conns[TGW_DIR_IN], in,
						tgw_conn_params[TGW_DIR_IN]);
		*why = err == -EEXIST ? TGW_DROP_CLASH : TGW_DROP_NOMEM;
		goto out_free;
	}
	old = rhashtable_lookup_get_insert_fast(&tn->conns[TGW_DIR_IN],
						&c->node[TGW_DIR_IN],
						tgw_conn_params[TGW_DIR_IN]);
	if (unlikely(old)) {
		rhashtable_remove_fast(&tn->conns[TGW_DIR_OUT],
				       &c->node[TGW_DIR_OUT],
				       tgw_conn_params[TGW_DIR_OUT]);
		if (IS_ERR(old)) {
			old = NULL;
			*why = TGW_DROP_NOMEM;
		}
		goto out_free;
	}
	tgw_conn_count(dest, state, 1);
	tgw_conn_event(tn, c, TGW_CONN_EV_NEW, state, 0);
	spin_unlock_bh(&c->lock);
	tgw_stats_inc_conns(tn->stats);
	if (dest) {
		tgw_stats_inc_conns(dest->svc->stats);
		tgw_stats_inc_conns(dest->stats);
	}
	return c;

out_free:
	spin_unlock_bh(&c->lock);
	spin_lock_bh(&tn->embryo_lock);
	if (!list_empty(&c->embryo))
		list_del_init(&c->embryo);
	spin_unlock_bh(&tn->embryo_lock);
	atomic_dec(&tn->nconns);
	/* An evictor may still look at it: wait for RCU. */
	call_rcu(&c->rcu, tgw_conn_free_rcu);
	return old;
}

unsigned int tgw_conn_flush(struct tgw_net *tn,
			    bool (*match)(const struct tgw_conn *c,
					  const void *arg),
			    const void *arg, enum tgw_conn_end why)
{
	struct rhashtable_iter iter;
	unsigned int n = 0, seen = 0;
	struct tgw_conn *c;

	rhashtable_walk_enter(&tn->conns[TGW_DIR_IN], &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			break;
		}
		if ((!match || match(c, arg)) && tgw_conn_unlink(tn, c, why))
			n++;
		if (++seen % TGW_GC_BATCH == 0) {
			rhashtable_walk_stop(&iter);
			cond_resched();
			rhashtable_walk_start(&iter);
		}
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	return n;
}

static bool tgw_conn_match_expired(const struct tgw_conn *c, const void *arg)
{
	return tgw_conn_expired(c);
}

static void tgw_conn_gc(struct work_struct *work)
{
	struct tgw_net *tn = container_of(to_delayed_work(work),
					  struct tgw_net, gc_work);

	tgw_conn_flush(tn, tgw_conn_match_expired, NULL, TGW_CONN_END_EXPIRED);
	if (!READ_ONCE(tn->exiting))
		queue_delayed_work(system_power_efficient_wq, &tn->gc_work,
				   TGW_GC_INTERVAL);
}

/* Bytes per conn: the object plus its share of both bucket arrays. */
unsigned int tgw_conn_bytes(struct tgw_net *tn)
{
	unsigned int n = max(atomic_read(&tn->nconns), 1);
	unsigned long buckets = 0;
	int dir;

	rcu_read_lock();
	for (dir = 0; dir < TGW_DIR_MAX; dir++)
		buckets += rcu_dereference(tn->conns[dir].tbl)->size;
	rcu_read_unlock();
	if (atomic_read(&tn->nconns) == 0)
		return kmem_cache_size(tgw_conn_cache);
	return kmem_cache_size(tgw_conn_cache) +
	       DIV_ROUND_UP(buckets * sizeof(void *), n);
}

int tgw_conn_init_net(struct tgw_net *tn)
{
	int err;

	atomic_set(&tn->nconns, 0);
	spin_lock_init(&tn->embryo_lock);
	INIT_LIST_HEAD(&tn->embryo);
	err = rhashtable_init(&tn->conns[TGW_DIR_IN],
			      &tgw_conn_params[TGW_DIR_IN]);
	if (err)
		return err;
	err = rhashtable_init(&tn->conns[TGW_DIR_OUT],
			      &tgw_conn_params[TGW_DIR_OUT]);
	if (err)
		goto out_destroy_in;
	INIT_DELAYED_WORK(&tn->gc_work, tgw_conn_gc);
	queue_delayed_work(system_power_efficient_wq, &tn->gc_work,
			   TGW_GC_INTERVAL);
	return 0;

out_destroy_in:
	rhashtable_destroy(&tn->conns[TGW_DIR_IN]);
	return err;
}

/* Hooks are gone: nothing adds conns any more. */
void tgw_conn_exit_net(struct tgw_net *tn)
{
	WRITE_ONCE(tn->exiting, true);
	cancel_delayed_work_sync(&tn->gc_work);
	tgw_conn_flush(tn, NULL, NULL, TGW_CONN_END_DELETED);
	rhashtable_destroy(&tn->conns[TGW_DIR_OUT]);
	rhashtable_destroy(&tn->conns[TGW_DIR_IN]);
}

int tgw_conn_cache_init(void)
{
	tgw_conn_cache = KMEM_CACHE(tgw_conn, 0);
	return tgw_conn_cache ? 0 : -ENOMEM;
}

void tgw_conn_cache_exit(void)
{
	rcu_barrier();
	kmem_cache_destroy(tgw_conn_cache);
}
