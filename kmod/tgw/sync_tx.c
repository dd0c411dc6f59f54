// SPDX-License-Identifier: GPL-2.0
/*
 * tgw sync: what a gateway sends.
 *
 * Live updates: tgw_sync_conn() turns a connection event into a 36-byte
 * entry on a bounded queue; tx_work packs the queue into datagrams at most
 * TGW_SYNC_FLUSH_DELAY later, or at once when a datagram's worth waits.
 * Walks: every refresh interval the conns this gateway owns are sent again
 * with their remaining timeout; a full-table request from a peer sends
 * every conn, then a BULK_END naming the requests it answers. Walks send
 * at most bulk_rate datagrams a second, between live updates.
 * Every data datagram gets the next sequence number and a copy in the
 * repair ring; control datagrams have their own sequence and no copy.
 */
#include <linux/delay.h>
#include <linux/slab.h>
#include <linux/random.h>
#include <net/sock.h>

#include "sync.h"

#define TGW_SYNC_WIRE_FLAGS	(TGW_CONN_F_CONFIRMED | TGW_CONN_F_FALLBACK | \
				 TGW_CONN_F_FIN_IN | TGW_CONN_F_FIN_OUT)
#define TGW_SYNC_NACK_RANGES	((TGW_SYNC_DGRAM_MAX - \
				  sizeof(struct tgw_sync_hdr) - 8) / \
				 sizeof(struct tgw_sync_range))

static void tgw_sync_entry_fill(struct tgw_sync_entry *e,
				const struct tgw_conn *c, bool removed)
{
	struct tgw_conn_info ci;
	u32 flags;

	tgw_conn_info(c, &ci);
	flags = ci.flags & TGW_SYNC_WIRE_FLAGS;
	if (removed)
		flags |= TGW_SYNC_EF_REMOVED;
	memset(e, 0, sizeof(*e));
	e->proto = ci.in.proto;
	e->state = ci.state;
	e->len = htons(sizeof(*e));
	e->flags = htonl(flags);
	e->timeout_ms = htonl(removed ? 0 : ci.timeout_ms);
	e->cip = ci.in.saddr;
	e->vip = ci.in.daddr;
	e->vmip = ci.out.saddr;
	e->hostip = ci.peer;
	e->cport = ci.in.sport;
	e->vport = ci.in.dport;
	e->vmport = ci.out.sport;
}

/*
 * Called from tgw_conn_event() under the conn's lock, any context. Conns
 * learned from a peer are not sent back: the peer that owns a conn speaks
 * for it, until a packet of it passes here (tgw_conn_adopt()).
 */
void tgw_sync_conn(struct tgw_net *tn, const struct tgw_conn *c, bool removed)
{
	struct tgw_sync *ts;
	unsigned int n = 0;

	if (!c->dest || (c->flags & TGW_CONN_F_SYNCED))
		return;
	rcu_read_lock();
	ts = rcu_dereference(tn->sync);
	if (!ts)
		goto out;
	spin_lock_bh(&ts->q_lock);
	if (ts->q_len < TGW_SYNC_QUEUE_MAX) {
		tgw_sync_entry_fill(&ts->q[ts->q_len++], c, removed);
		n = ts->q_len;
	}
	spin_unlock_bh(&ts->q_lock);
	if (!n)
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_OVERFLOW, 1);
	else if (n >= TGW_SYNC_ENTRIES)
		mod_delayed_work(system_wq, &ts->tx_work, 0);
	else
		queue_delayed_work(system_wq, &ts->tx_work,
				   TGW_SYNC_FLUSH_DELAY);
out:
	rcu_read_unlock();
}

static void tgw_sync_hdr_fill(struct tgw_sync *ts, u8 *data, u8 type,
			      unsigned int nr, u64 seq, unsigned int len,
			      u16 flags)
{
	struct tgw_sync_hdr *h = (struct tgw_sync_hdr *)data;

	memset(h, 0, sizeof(*h));
	h->magic = htonl(TGW_SYNC_MAGIC);
	h->version = TGW_SYNC_VERSION;
	h->type = type;
	h->nr_conn = htons(nr);
	h->syncid = htonl(ts->cfg.syncid);
	h->sender = ts->cfg.addr;
	h->epoch = cpu_to_be64(ts->epoch);
	h->seq = cpu_to_be64(seq);
	h->size = htons(len);
	h->flags = htons(flags);
	if (ts->tfm && tgw_sync_tag(ts, data, len, h->tag))
		memset(h->tag, 0xff, sizeof(h->tag));	/* peers drop it */
}

static void tgw_sync_sendto(struct tgw_sync *ts, const u8 *data,
			    unsigned int len, __be32 to)
{
	struct sockaddr_in sin = {
		.sin_family = AF_INET,
		.sin_port = ts->cfg.port,
		.sin_addr.s_addr = to,
	};
	struct msghdr msg = {
		.msg_name = &sin,
		.msg_namelen = sizeof(sin),
		.msg_flags = MSG_DONTWAIT,
	};
	struct kvec vec = { .iov_base = (void *)data, .iov_len = len };

	if (kernel_sendmsg(ts->sock, &msg, &vec, 1, len) < 0) {
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_TX_ERRORS, 1);
		return;
	}
	tgw_sync_inc(ts, TGW_A_SYNC_STATS_TX_DGRAMS, 1);
	tgw_sync_inc(ts, TGW_A_SYNC_STATS_TX_BYTES, len);
}

/* To the group if there is one, else to every configured peer. */
static void tgw_sync_send_all(struct tgw_sync *ts, const u8 *data,
			      unsigned int len)
{
	unsigned int i;

	if (ts->cfg.group) {
		tgw_sync_sendto(ts, data, len, ts->cfg.group);
		return;
	}
	for (i = 0; i < ts->cfg.npeers; i++)
		tgw_sync_sendto(ts, data, len, ts->cfg.peers[i]);
}

static void tgw_sync_buf_reset(struct tgw_sync_buf *b)
{
	b->len = sizeof(struct tgw_sync_hdr);
	b->n = 0;
}

/* Send @b as the next data datagram and keep a copy for repair. */
static void tgw_sync_send_data(struct tgw_sync *ts, struct tgw_sync_buf *b,
			       u8 type, u16 flags)
{
	struct tgw_sync_dgram *d;
	u64 seq;

	mutex_lock(&ts->tx_lock);
	seq = ++ts->seq;
	tgw_sync_hdr_fill(ts, b->data, type, b->n, seq, b->len, flags);
	d = kmalloc(struct_size(d, data, b->len), GFP_KERNEL);
	if (d) {
		d->seq = seq;
		d->len = b->len;
		memcpy(d->data, b->data, b->len);
	}
	kfree(ts->ring[seq % TGW_SYNC_RING]);
	ts->ring[seq % TGW_SYNC_RING] = d;
	tgw_sync_send_all(ts, b->data, b->len);
	if (type == TGW_SYNC_T_UPDATE)
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_TX_CONNS, b->n);
	mutex_unlock(&ts->tx_lock);
	tgw_sync_buf_reset(b);
}

static void tgw_sync_buf_add(struct tgw_sync_buf *b,
			     const struct tgw_sync_entry *e)
{
	memcpy(b->data + b->len, e, sizeof(*e));
	b->len += sizeof(*e);
	b->n++;
}

void tgw_sync_tx_work(struct work_struct *work)
{
	struct tgw_sync *ts = container_of(to_delayed_work(work),
					   struct tgw_sync, tx_work);
	struct tgw_sync_buf *b = &ts->txbuf;
	struct tgw_sync_entry *q;
	unsigned int i, n;

	/* Only this work swaps the queues: q is ours until the next run. */
	spin_lock_bh(&ts->q_lock);
	q = ts->q;
	n = ts->q_len;
	ts->q = ts->q_spare;
	ts->q_spare = q;
	ts->q_len = 0;
	spin_unlock_bh(&ts->q_lock);

	tgw_sync_buf_reset(b);
	for (i = 0; i < n; i++) {
		tgw_sync_buf_add(b, &q[i]);
		if (b->n == TGW_SYNC_ENTRIES)
			tgw_sync_send_data(ts, b, TGW_SYNC_T_UPDATE, 0);
	}
	if (b->n)
		tgw_sync_send_data(ts, b, TGW_SYNC_T_UPDATE, 0);
}

/*
 * A control datagram to @to (0: the group or every configured peer).
 * A HELLO's payload, the last data sequence number, is filled in here.
 */
void tgw_sync_send_ctl(struct tgw_sync *ts, u8 type, const void *payload,
		       unsigned int plen, u16 nr, __be32 to)
{
	unsigned int len = sizeof(struct tgw_sync_hdr) + plen;
	u8 *data;

	data = kzalloc(len, GFP_KERNEL);
	if (!data) {
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_TX_ERRORS, 1);
		return;
	}
	mutex_lock(&ts->tx_lock);
	if (type == TGW_SYNC_T_HELLO) {
		__be64 last = cpu_to_be64(ts->seq);

		memcpy(data + sizeof(struct tgw_sync_hdr), &last, sizeof(last));
	} else if (plen) {
		memcpy(data + sizeof(struct tgw_sync_hdr), payload, plen);
	}
	tgw_sync_hdr_fill(ts, data, type, nr, ++ts->ctl_seq, len, 0);
	if (to)
		tgw_sync_sendto(ts, data, len, to);
	else
		tgw_sync_send_all(ts, data, len);
	mutex_unlock(&ts->tx_lock);
	kfree(data);
}

/* A peer asked for @seq again; *gone if it left the ring. */
void tgw_sync_resend(struct tgw_sync *ts, u64 seq, __be32 to, bool *gone)
{
	struct tgw_sync_dgram *d;

	mutex_lock(&ts->tx_lock);
	d = ts->ring[seq % TGW_SYNC_RING];
	if (d && d->seq == seq) {
		tgw_sync_sendto(ts, d->data, d->len, to);
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_RETRANS, 1);
	} else if (seq <= ts->seq) {
		*gone = true;
	}
	mutex_unlock(&ts->tx_lock);
}

void tgw_sync_ring_free(struct tgw_sync *ts)
{
	unsigned int i;

	for (i = 0; i < TGW_SYNC_RING; i++) {
		kfree(ts->ring[i]);
		ts->ring[i] = NULL;
	}
}

/*
 * Ask @p for its whole table; ts->lock held. A request still pending is
 * asked again with the same nonce: the walk it started may be on its way.
 */
void tgw_sync_bulk_request(struct tgw_sync *ts, struct tgw_sync_peer *p)
{
	__be32 nonce;

	lockdep_assert_held(&ts->lock);
	if (p->bulk != TGW_SYNC_BULK_REQUESTED || !p->nonce) {
		p->nonce = get_random_u32() | 1;
		p->bulk = TGW_SYNC_BULK_REQUESTED;
		p->bulk_end = 0;
	}
	p->bulk_at = jiffies;
	nonce = htonl(p->nonce);
	tgw_sync_send_ctl(ts, TGW_SYNC_T_BULK_REQ, &nonce, sizeof(nonce), 0,
			  p->addr);
	tgw_sync_inc(ts, TGW_A_SYNC_STATS_BULK_REQ_TX, 1);
}

/*
 * Ask @p again for the data sequence numbers missing in [from, to]
 * (clamped to its window); ts->lock held.
 */
void tgw_sync_send_nack(struct tgw_sync *ts, struct tgw_sync_peer *p,
			u64 from, u64 to)
{
	struct {
		__be64 epoch;
		struct tgw_sync_range r[TGW_SYNC_NACK_RANGES];
	} *m;
	unsigned int nr = 0;
	u64 lo, s, start = 0;

	lockdep_assert_held(&ts->lock);
	lo = max(p->base, p->highest > TGW_SYNC_WIN ?
			  p->highest - TGW_SYNC_WIN : 0) + 1;
	from = max(from, lo);
	to = min(to, p->highest);
	if (from > to)
		return;
	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return;
	for (s = from; s <= to + 1 && nr < TGW_SYNC_NACK_RANGES; s++) {
		bool missing = s <= to &&
			       !test_bit(s % TGW_SYNC_WIN, p->win);

		if (missing && !start) {
			start = s;
		} else if (!missing && start) {
			m->r[nr].seq = cpu_to_be64(start);
			m->r[nr].count = htonl(s - start);
			nr++;
			start = 0;
		}
	}
	if (nr) {
		m->epoch = cpu_to_be64(p->epoch);
		tgw_sync_send_ctl(ts, TGW_SYNC_T_NACK, m,
				  sizeof(m->epoch) + nr * sizeof(m->r[0]), nr,
				  p->addr);
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_NACK_TX, 1);
		p->last_nack = jiffies;
	}
	kfree(m);
}

static bool tgw_sync_stopping(struct tgw_sync *ts)
{
	return !rcu_access_pointer(ts->tn->sync);
}

/*
 * Send the table: every conn (@bulk) or the conns this gateway owns. The
 * walk pauses after each datagram to keep to bulk_rate.
 */
static void tgw_sync_walk(struct tgw_sync *ts, bool bulk)
{
	unsigned long owed_us = 0, per_us = USEC_PER_SEC / ts->cfg.bulk_rate;
	struct tgw_sync_buf *b = &ts->walkbuf;
	struct rhashtable_iter iter;
	struct tgw_sync_entry e;
	struct tgw_conn *c;
	u8 flags;

	tgw_sync_buf_reset(b);
	rhashtable_walk_enter(&ts->tn->conns[TGW_DIR_IN], &iter);
	rhashtable_walk_start(&iter);
	while ((c = rhashtable_walk_next(&iter))) {
		if (IS_ERR(c)) {
			if (PTR_ERR(c) == -EAGAIN)
				continue;
			break;
		}
		flags = READ_ONCE(c->flags);
		if (!c->dest || (flags & TGW_CONN_F_DEAD) ||
		    (!bulk && (flags & TGW_CONN_F_SYNCED)))
			continue;
		tgw_sync_entry_fill(&e, c, false);
		tgw_sync_buf_add(b, &e);
		if (b->n < TGW_SYNC_ENTRIES)
			continue;
		rhashtable_walk_stop(&iter);
		tgw_sync_send_data(ts, b, TGW_SYNC_T_UPDATE,
				   bulk ? TGW_SYNC_F_BULK : 0);
		owed_us += per_us;
		if (owed_us >= USEC_PER_MSEC) {
			usleep_range(owed_us, owed_us + owed_us / 4);
			owed_us = 0;
		} else {
			cond_resched();
		}
		if (tgw_sync_stopping(ts)) {
			rhashtable_walk_exit(&iter);
			return;
		}
		rhashtable_walk_start(&iter);
	}
	rhashtable_walk_stop(&iter);
	rhashtable_walk_exit(&iter);
	if (b->n)
		tgw_sync_send_data(ts, b, TGW_SYNC_T_UPDATE,
				   bulk ? TGW_SYNC_F_BULK : 0);
}

void tgw_sync_walk_work(struct work_struct *work)
{
	struct tgw_sync *ts = container_of(work, struct tgw_sync, walk_work);
	struct tgw_sync_bulk_end req[TGW_SYNC_BULK_REQS];
	struct tgw_sync_buf *b = &ts->walkbuf;
	unsigned int n;
	bool bulk;

	mutex_lock(&ts->lock);
	n = ts->nbulk;
	memcpy(req, ts->bulk_req, n * sizeof(req[0]));
	ts->nbulk = 0;
	bulk = n || ts->bulk_wanted;
	ts->bulk_wanted = false;
	mutex_unlock(&ts->lock);

	tgw_sync_walk(ts, bulk);
	if (!bulk) {
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_REFRESHES, 1);
		return;
	}
	tgw_sync_buf_reset(b);
	memcpy(b->data + b->len, req, n * sizeof(req[0]));
	b->len += n * sizeof(req[0]);
	b->n = n;
	tgw_sync_send_data(ts, b, TGW_SYNC_T_BULK_END, TGW_SYNC_F_BULK);
	tgw_sync_inc(ts, TGW_A_SYNC_STATS_BULK_TX, 1);
}

void tgw_sync_tick(struct work_struct *work)
{
	struct tgw_sync *ts = container_of(to_delayed_work(work),
					   struct tgw_sync, tick);
	unsigned long now = jiffies;
	unsigned int i;

	mutex_lock(&ts->lock);
	for (i = 0; i < ts->npeers; i++) {
		struct tgw_sync_peer *p = &ts->peers[i];

		if (time_after_eq(now, p->last_nack + TGW_SYNC_NACK_EVERY) &&
		    tgw_sync_missing(p, U64_MAX))
			tgw_sync_send_nack(ts, p, 0, U64_MAX);
		if (p->nheld &&
		    time_after_eq(now, p->held_at + TGW_SYNC_HOLD_TIME))
			tgw_sync_give_up(ts, p, p->highest);
		/* again, unless its walk is still streaming in */
		if (p->bulk == TGW_SYNC_BULK_REQUESTED &&
		    time_after_eq(now, p->bulk_at + TGW_SYNC_BULK_RETRY) &&
		    (!p->bulk_rx ||
		     time_after_eq(now, p->bulk_rx + TGW_SYNC_BULK_RETRY)))
			tgw_sync_bulk_request(ts, p);
	}
	/* A group with no peer heard yet: ask the group. */
	if (ts->cfg.group && !ts->npeers &&
	    time_after_eq(now, ts->next_hello)) {
		__be32 nonce = htonl(ts->group_nonce);

		tgw_sync_send_ctl(ts, TGW_SYNC_T_BULK_REQ, &nonce,
				  sizeof(nonce), 0, 0);
		tgw_sync_inc(ts, TGW_A_SYNC_STATS_BULK_REQ_TX, 1);
	}
	mutex_unlock(&ts->lock);

	if (time_after_eq(now, ts->next_hello)) {
		ts->next_hello = now + TGW_SYNC_HELLO;
		tgw_sync_send_ctl(ts, TGW_SYNC_T_HELLO, NULL, sizeof(__be64),
				  0, 0);
	}
	if (time_after_eq(now, ts->next_refresh)) {
		ts->next_refresh = now + ts->cfg.refresh * HZ;
		queue_work(system_long_wq, &ts->walk_work);
	}
	queue_delayed_work(system_wq, &ts->tick, TGW_SYNC_TICK);
}
